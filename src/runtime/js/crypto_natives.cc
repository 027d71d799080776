#include "runtime/js/crypto_natives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-exception.h>
#include <v8-function-callback.h>
#include <v8-isolate.h>
#include <v8-primitive.h>
#include <v8-typed-array.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// Node's digest names (lower case; the guest lower-cases what it is given) -> OpenSSL's.
struct Digest {
  const char* node_name;
  const char* openssl_name;
};
constexpr Digest kDigests[] = {
    {"md5", "MD5"},           {"sha1", "SHA1"},         {"sha224", "SHA224"},         {"sha256", "SHA256"},
    {"sha384", "SHA384"},     {"sha512", "SHA512"},     {"sha512-224", "SHA512-224"}, {"sha512-256", "SHA512-256"},
    {"sha3-224", "SHA3-224"}, {"sha3-256", "SHA3-256"}, {"sha3-384", "SHA3-384"},     {"sha3-512", "SHA3-512"},
};

// One incremental digest or HMAC. Lives in the backing store of the ArrayBuffer that is its JS
// handle, so V8 frees it with that buffer, also when the isolate is torn down.
struct HashState {
  static constexpr uint64_t kMagic = 0x5345'4841'5348'0001ULL;
  uint64_t magic = kMagic;
  EVP_MD_CTX* digest = nullptr;  // plain hash
  EVP_MAC_CTX* mac = nullptr;    // HMAC
};

void free_hash_state(void* data, size_t /*length*/, void* /*deleter_data*/) {
  auto* state = static_cast<HashState*>(data);
  EVP_MD_CTX_free(state->digest);
  EVP_MAC_CTX_free(state->mac);
  delete state;
}

// The OpenSSL error queue's most recent entry, as an Error (and the queue cleared).
void throw_openssl_error(Isolate* isolate, std::string_view what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  char reason[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  std::string message = std::string(what) + ": " + reason;
  isolate->ThrowException(v8::Exception::Error(
      v8::String::NewFromUtf8(isolate, message.data(), v8::NewStringType::kNormal, static_cast<int>(message.size()))
          .ToLocalChecked()));
}

std::span<unsigned char> view_bytes(Local<v8::ArrayBufferView> view) {
  auto* base = static_cast<unsigned char*>(view->Buffer()->Data());
  if (base == nullptr) return {};
  return {base + view->ByteOffset(), view->ByteLength()};
}

const Digest* find_digest(Isolate* isolate, Local<Value> name) {
  v8::String::Utf8Value text(isolate, name);
  if (*text == nullptr) return nullptr;
  std::string_view wanted(*text, static_cast<size_t>(text.length()));
  for (const auto& digest : kDigests) {
    if (wanted == digest.node_name) return &digest;
  }
  return nullptr;
}

HashState* hash_state(Local<Value> handle) {
  if (!handle->IsArrayBuffer()) return nullptr;
  auto buffer = handle.As<v8::ArrayBuffer>();
  if (buffer->ByteLength() != sizeof(HashState) || buffer->Data() == nullptr) return nullptr;
  auto* state = static_cast<HashState*>(buffer->Data());
  return state->magic == HashState::kMagic ? state : nullptr;
}

Local<v8::ArrayBuffer> new_hash_handle(Isolate* isolate, std::unique_ptr<HashState> state) {
  HashState* raw = state.release();
  std::shared_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(raw, sizeof(HashState), free_hash_state, nullptr);
  return v8::ArrayBuffer::New(isolate, std::move(store));
}

EVP_MAC* hmac_algorithm() {
  // Fetched once per process and kept: OpenSSL's provider lookups are not free.
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  return hmac;
}

// cryptoHashNames() -> [name, ...]: the digests cryptoHashNew accepts.
void native_hash_names(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<v8::Array> names = v8::Array::New(isolate, static_cast<int>(std::size(kDigests)));
  for (size_t i = 0; i < std::size(kDigests); ++i) {
    names
        ->Set(isolate->GetCurrentContext(), static_cast<uint32_t>(i),
              v8::String::NewFromUtf8(isolate, kDigests[i].node_name).ToLocalChecked())
        .Check();
  }
  args.GetReturnValue().Set(names);
}

// cryptoHashNew(name, key | undefined) -> handle, or undefined when the digest is unknown.
// With a key (an ArrayBufferView) the handle computes an HMAC.
void native_hash_new(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 2 || !args[0]->IsString() || !(args[1]->IsUndefined() || args[1]->IsArrayBufferView())) {
    return throw_type_error(isolate, "cryptoHashNew(name, key): expected a string and an ArrayBufferView or undefined");
  }
  const Digest* digest = find_digest(isolate, args[0]);
  if (digest == nullptr) return;
  const EVP_MD* md = EVP_get_digestbyname(digest->openssl_name);
  if (md == nullptr) return;
  auto state = std::make_unique<HashState>();
  if (args[1]->IsUndefined()) {
    state->digest = EVP_MD_CTX_new();
    if (state->digest == nullptr || EVP_DigestInit_ex(state->digest, md, nullptr) != 1) {
      return throw_openssl_error(isolate, "createHash");
    }
  } else {
    // OpenSSL reads a null key as "keep the previous key": an empty key needs a real pointer.
    static const unsigned char kEmptyKey = 0;
    std::span<unsigned char> key = view_bytes(args[1].As<v8::ArrayBufferView>());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest->openssl_name), 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC* hmac = hmac_algorithm();
    state->mac = hmac == nullptr ? nullptr : EVP_MAC_CTX_new(hmac);
    if (state->mac == nullptr ||
        EVP_MAC_init(state->mac, key.empty() ? &kEmptyKey : key.data(), key.size(), params) != 1) {
      return throw_openssl_error(isolate, "createHmac");
    }
  }
  args.GetReturnValue().Set(new_hash_handle(isolate, std::move(state)));
}

// cryptoHashUpdate(handle, view)
void native_hash_update(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  HashState* state = args.Length() == 2 ? hash_state(args[0]) : nullptr;
  if (state == nullptr || !args[1]->IsArrayBufferView()) {
    return throw_type_error(isolate, "cryptoHashUpdate(handle, view): expected a hash handle and an ArrayBufferView");
  }
  std::span<unsigned char> bytes = view_bytes(args[1].As<v8::ArrayBufferView>());
  int ok = 0;
  if (state->digest != nullptr)
    ok = EVP_DigestUpdate(state->digest, bytes.data(), bytes.size());
  else if (state->mac != nullptr)
    ok = EVP_MAC_update(state->mac, bytes.data(), bytes.size());
  else
    return throw_type_error(isolate, "cryptoHashUpdate: the hash is already finalized");
  if (ok != 1) throw_openssl_error(isolate, "Hash.update");
}

// cryptoHashDigest(handle) -> Uint8Array; the hash is finalized and its OpenSSL state freed.
void native_hash_digest(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  HashState* state = args.Length() == 1 ? hash_state(args[0]) : nullptr;
  if (state == nullptr) return throw_type_error(isolate, "cryptoHashDigest(handle): expected a hash handle");
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t length = 0;
  int ok = 0;
  if (state->digest != nullptr) {
    unsigned int digest_length = 0;
    ok = EVP_DigestFinal_ex(state->digest, out, &digest_length);
    length = digest_length;
    EVP_MD_CTX_free(state->digest);
    state->digest = nullptr;
  } else if (state->mac != nullptr) {
    ok = EVP_MAC_final(state->mac, out, &length, sizeof(out));
    EVP_MAC_CTX_free(state->mac);
    state->mac = nullptr;
  } else {
    return throw_type_error(isolate, "cryptoHashDigest: the hash is already finalized");
  }
  if (ok != 1) return throw_openssl_error(isolate, "Hash.digest");
  Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, length);
  std::memcpy(buffer->Data(), out, length);
  args.GetReturnValue().Set(v8::Uint8Array::New(buffer, 0, length));
}

// cryptoHashCopy(handle) -> a new handle with the same state.
void native_hash_copy(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  HashState* state = args.Length() == 1 ? hash_state(args[0]) : nullptr;
  if (state == nullptr) return throw_type_error(isolate, "cryptoHashCopy(handle): expected a hash handle");
  auto copy = std::make_unique<HashState>();
  if (state->digest != nullptr) {
    copy->digest = EVP_MD_CTX_new();
    if (copy->digest == nullptr || EVP_MD_CTX_copy_ex(copy->digest, state->digest) != 1) {
      return throw_openssl_error(isolate, "Hash.copy");
    }
  } else if (state->mac != nullptr) {
    copy->mac = EVP_MAC_CTX_dup(state->mac);
    if (copy->mac == nullptr) return throw_openssl_error(isolate, "Hash.copy");
  } else {
    return throw_type_error(isolate, "cryptoHashCopy: the hash is already finalized");
  }
  args.GetReturnValue().Set(new_hash_handle(isolate, std::move(copy)));
}

// cryptoRandomFill(view): fills the view from OpenSSL's CSPRNG.
void native_random_fill(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 1 || !args[0]->IsArrayBufferView()) {
    return throw_type_error(isolate, "cryptoRandomFill(view): expected an ArrayBufferView");
  }
  std::span<unsigned char> bytes = view_bytes(args[0].As<v8::ArrayBufferView>());
  while (!bytes.empty()) {
    size_t chunk = std::min<size_t>(bytes.size(), INT_MAX);
    if (RAND_bytes(bytes.data(), static_cast<int>(chunk)) != 1) return throw_openssl_error(isolate, "randomFill");
    bytes = bytes.subspan(chunk);
  }
}

// cryptoTimingSafeEqual(a, b) -> boolean, in time independent of the contents.
void native_timing_safe_equal(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  if (args.Length() != 2 || !args[0]->IsArrayBufferView() || !args[1]->IsArrayBufferView()) {
    return throw_type_error(isolate, "cryptoTimingSafeEqual(a, b): expected two ArrayBufferViews");
  }
  std::span<unsigned char> a = view_bytes(args[0].As<v8::ArrayBufferView>());
  std::span<unsigned char> b = view_bytes(args[1].As<v8::ArrayBufferView>());
  if (a.size() != b.size()) return throw_type_error(isolate, "cryptoTimingSafeEqual: lengths differ");
  args.GetReturnValue().Set(a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

constexpr NativeFunction kCryptoNatives[] = {
    {"cryptoHashNames", native_hash_names, 0},
    {"cryptoHashNew", native_hash_new, 2},
    {"cryptoHashUpdate", native_hash_update, 2},
    {"cryptoHashDigest", native_hash_digest, 1},
    {"cryptoHashCopy", native_hash_copy, 1},
    {"cryptoRandomFill", native_random_fill, 1},
    {"cryptoTimingSafeEqual", native_timing_safe_equal, 2},
};

}  // namespace

std::span<const NativeFunction> crypto_natives() {
  return kCryptoNatives;
}

}  // namespace se::runtime::js
