// The natives behind the guest `crypto` builtin (guest/crypto.js), on OpenSSL's libcrypto:
// random bytes, incremental message digests and HMACs, constant-time comparison.
// Thread-safety: callbacks run on the isolate's thread; a hash state is owned by the ArrayBuffer
// handle that carries it and freed when V8 releases that buffer (on GC or isolate teardown).
#pragma once

#include <span>

#include "runtime/js/native_bindings.h"

namespace se::runtime::js {

// Installed on the `native` object and listed as snapshot external references after the core
// table, like kernel_natives().
std::span<const NativeFunction> crypto_natives();

}  // namespace se::runtime::js
