// The natives behind guest/net.js and guest/dgram.js: one thin callback per GuestSystem socket
// call. Sockets are non-blocking descriptors; "nothing now" (EAGAIN from a read, accept or receive)
// returns null and "no room now" from a write returns 0, so the bootstrap waits for readiness
// instead of catching. Every other failure throws an Error with `code` ('ECONNREFUSED') and a
// negative `errno`, like the kernel natives, and its message names the kernel's reason (e.g. the
// VM limit hit).
// Thread-safety: callbacks run on the isolate's thread.
#include "runtime/js/net_natives.h"

#include <v8-container.h>
#include <v8-context.h>
#include <v8-exception.h>
#include <v8-function.h>
#include <v8-isolate.h>
#include <v8-object.h>
#include <v8-primitive.h>
#include <v8-typed-array.h>

#include <cmath>
#include <optional>
#include <string>

#include "runtime/js/native_args.h"
#include "runtime/js/native_values.h"

namespace se::runtime::js {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// One read, accept or receive takes at most this much (a guest asking for more gets this).
constexpr double kMaxReadBytes = 1024.0 * 1024.0;

using Args = NativeArgs;

// (host, port, path) at `index`..`index + 2`.
GuestSocketAddress socket_address(Args& args, int index) {
  GuestSocketAddress address;
  address.host = args.text(index);
  address.port = static_cast<uint16_t>(args.number(index + 1, 0, 65535));
  address.path = args.text(index + 2);
  return address;
}

GuestSystem* system_of(Isolate* isolate) {
  auto* context = static_cast<NativeContext*>(isolate->GetData(kNativeContextSlot));
  GuestSystem* system = context != nullptr ? context->system() : nullptr;
  if (system == nullptr) throw_system_error(isolate, Error::from_errno(ENOSYS, "no kernel is bound to this process"));
  return system;
}

bool would_block(const Error& error) {
  return error.errno_code == EAGAIN;
}

// [host, port, path] of an address, or undefined.
Local<Value> address_array(Isolate* isolate, const std::optional<GuestSocketAddress>& address) {
  if (!address) return v8::Undefined(isolate);
  Local<Value> parts[] = {utf8_string(isolate, address->host), v8::Integer::New(isolate, address->port),
                          utf8_string(isolate, address->path)};
  return v8::Array::New(isolate, parts, 3);
}

// netSocket(kind) -> fd; kind 0 tcp4, 1 tcp6, 2 unix, 3 udp4, 4 udp6
void net_socket(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netSocket(kind)", 1);
  auto kind = static_cast<GuestSocketKind>(args.number(0, 0, 4));
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto fd = system->socket_open(kind);
  if (!fd) return throw_system_error(args.isolate(), fd.error());
  info.GetReturnValue().Set(*fd);
}

// netListen(fd, host, port, path, backlog) -> [host, port, path] bound
void net_listen(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netListen(fd, host, port, path, backlog)", 5);
  int fd = args.fd(0);
  GuestSocketAddress address = socket_address(args, 1);
  auto backlog = static_cast<uint32_t>(args.number(4, 1, 65535));
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto bound = system->socket_listen(fd, address, backlog);
  if (!bound) return throw_system_error(args.isolate(), bound.error());
  info.GetReturnValue().Set(address_array(args.isolate(), *bound));
}

// netBind(fd, host, port) -> [host, port, path] bound (datagram sockets)
void net_bind(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netBind(fd, host, port)", 3);
  int fd = args.fd(0);
  GuestSocketAddress address;
  address.host = args.text(1);
  address.port = static_cast<uint16_t>(args.number(2, 0, 65535));
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto bound = system->socket_bind(fd, address);
  if (!bound) return throw_system_error(args.isolate(), bound.error());
  info.GetReturnValue().Set(address_array(args.isolate(), *bound));
}

// netConnect(fd, host, port, path)
void net_connect(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netConnect(fd, host, port, path)", 4);
  int fd = args.fd(0);
  GuestSocketAddress target = socket_address(args, 1);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto connected = system->socket_connect(fd, target);
  if (!connected) throw_system_error(args.isolate(), connected.error());
}

// netAccept(fd) -> fd, or null when no connection is pending
void net_accept(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netAccept(fd)", 1);
  int fd = args.fd(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto accepted = system->socket_accept(fd);
  if (accepted) return info.GetReturnValue().Set(*accepted);
  if (would_block(accepted.error())) return info.GetReturnValue().SetNull();
  throw_system_error(args.isolate(), accepted.error());
}

// netRead(fd, maxBytes) -> Uint8Array (empty at end of file), or null when nothing is readable now
void net_read(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netRead(fd, maxBytes)", 2);
  int fd = args.fd(0);
  auto max_bytes = static_cast<size_t>(args.number(1, 1, kMaxReadBytes));
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto data = system->socket_read(fd, max_bytes);
  if (data) return info.GetReturnValue().Set(new_bytes(args.isolate(), *data));
  if (would_block(data.error())) return info.GetReturnValue().SetNull();
  throw_system_error(args.isolate(), data.error());
}

// netWrite(fd, data) -> bytes taken (0 when the socket cannot take any now)
void net_write(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netWrite(fd, data)", 2);
  int fd = args.fd(0);
  std::string storage;
  std::string_view data = args.data(1, storage);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto written = system->socket_write(fd, data);
  if (written) return info.GetReturnValue().Set(static_cast<double>(*written));
  if (would_block(written.error())) return info.GetReturnValue().Set(0);
  throw_system_error(args.isolate(), written.error());
}

// netShutdown(fd): no more writes; the peer reads end of file.
void net_shutdown(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netShutdown(fd)", 1);
  int fd = args.fd(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto done = system->socket_shutdown_write(fd);
  if (!done) throw_system_error(args.isolate(), done.error());
}

// netSend(fd, data, host, port)
void net_send(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netSend(fd, data, host, port)", 4);
  int fd = args.fd(0);
  std::string storage;
  std::string_view data = args.data(1, storage);
  GuestSocketAddress target;
  target.host = args.text(2);
  target.port = static_cast<uint16_t>(args.number(3, 0, 65535));
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto sent = system->socket_send(fd, data, target);
  if (!sent) throw_system_error(args.isolate(), sent.error());
}

// netReceive(fd, maxBytes) -> [Uint8Array, host, port], or null when no datagram is queued
void net_receive(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netReceive(fd, maxBytes)", 2);
  int fd = args.fd(0);
  auto max_bytes = static_cast<size_t>(args.number(1, 0, kMaxReadBytes));
  if (!args.ok()) return;
  Isolate* isolate = args.isolate();
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;
  auto datagram = system->socket_receive(fd, max_bytes);
  if (!datagram) {
    if (would_block(datagram.error())) return info.GetReturnValue().SetNull();
    return throw_system_error(isolate, datagram.error());
  }
  Local<Value> parts[] = {new_bytes(isolate, datagram->data), utf8_string(isolate, datagram->from.host),
                          v8::Integer::New(isolate, datagram->from.port)};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 3));
}

// netInfo(fd) -> [local, peer], each [host, port, path] or undefined
void net_info(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netInfo(fd)", 1);
  int fd = args.fd(0);
  if (!args.ok()) return;
  Isolate* isolate = args.isolate();
  GuestSystem* system = system_of(isolate);
  if (system == nullptr) return;
  auto described = system->socket_info(fd);
  if (!described) return throw_system_error(isolate, described.error());
  Local<Value> parts[] = {address_array(isolate, described->local), address_array(isolate, described->peer)};
  info.GetReturnValue().Set(v8::Array::New(isolate, parts, 2));
}

// netWatch(watching)
void net_watch(const FunctionCallbackInfo<Value>& info) {
  Args args(info, "netWatch(watching)", 1);
  bool watching = args.boolean(0);
  if (!args.ok()) return;
  GuestSystem* system = system_of(args.isolate());
  if (system == nullptr) return;
  auto set = system->socket_watch(watching);
  if (!set) throw_system_error(args.isolate(), set.error());
}

constexpr NativeFunction kNetNatives[] = {
    {"netSocket", net_socket, 1},   {"netListen", net_listen, 5},     {"netBind", net_bind, 3},
    {"netConnect", net_connect, 4}, {"netAccept", net_accept, 1},     {"netRead", net_read, 2},
    {"netWrite", net_write, 2},     {"netShutdown", net_shutdown, 1}, {"netSend", net_send, 4},
    {"netReceive", net_receive, 2}, {"netInfo", net_info, 1},         {"netWatch", net_watch, 1},
};

}  // namespace

std::span<const NativeFunction> net_natives() {
  return kNetNatives;
}

}  // namespace se::runtime::js
