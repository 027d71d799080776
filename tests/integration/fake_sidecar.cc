// fake-sidecar: a scripted stand-in for secure-exec-sidecar used by client_transport_test to drive the
// client through situations the real sidecar never produces on purpose. It answers every request
// frame according to the namespace of an ExtEnvelope request (any other request gets a
// RejectedResponse):
//   "ok"                answer ExtEnvelope{ok}
//   "duplicate"         answer twice with the same request id
//   "unknown-id"        first answer request id 999999, then the real one
//   "events:N"          emit N ProcessOutputEvents (chunk = decimal index), then answer
//   "callback"          send SidecarRequestFrame{-1, VmOwnership(c,s,v), HostCallbackRequest}, read the
//                       host's SidecarResponseFrame and answer with its JSON as the payload
//   "garbage"           write a frame that does not decode, then answer
//   "silent"            never answer
//   "exit:N"            exit with status N at once
// On EOF it exits 0.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "wire/frame.h"

namespace {

using namespace se;

bool read_exact(uint8_t* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(STDIN_FILENO, out + got, size - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

std::optional<wire::ProtocolFrame> read_frame() {
  uint8_t prefix[4];
  if (!read_exact(prefix, 4)) return std::nullopt;
  wire::Bytes payload(wire::read_be32(prefix));
  if (!read_exact(payload.data(), payload.size())) return std::nullopt;
  auto frame = wire::decode_frame(std::span<const uint8_t>(payload.data(), payload.size()));
  if (!frame) {
    std::fprintf(stderr, "fake-sidecar: %s\n", frame.error().to_string().c_str());
    std::exit(1);
  }
  return std::move(frame).value();
}

void write_bytes(const wire::Bytes& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data() + done, bytes.size() - done);
    if (n <= 0) std::exit(1);
    done += static_cast<size_t>(n);
  }
}

void write_frame(const wire::ProtocolFrame& frame) {
  wire::Bytes bytes;
  wire::append_framed(bytes, frame);
  write_bytes(bytes);
}

wire::Bytes as_bytes(const std::string& text) {
  return wire::Bytes(text.begin(), text.end());
}

void respond(const wire::RequestFrame& request, wire::ResponsePayload payload, int64_t id_override = 0) {
  wire::ResponseFrame response;
  response.schema = wire::current_schema();
  response.request_id = id_override != 0 ? id_override : request.request_id;
  response.ownership = request.ownership;
  response.payload = std::move(payload);
  write_frame(response);
}

wire::ExtEnvelope envelope(std::string name, wire::Bytes payload = {}) {
  wire::ExtEnvelope ext;
  ext.namespace_ = std::move(name);
  ext.payload = std::move(payload);
  return ext;
}

wire::OwnershipScope fake_vm() {
  wire::VmOwnership owner;
  owner.connection_id = "c";
  owner.session_id = "s";
  owner.vm_id = "v";
  return owner;
}

void handle(const wire::RequestFrame& request) {
  const auto* ext = std::get_if<wire::ExtEnvelope>(&request.payload);
  if (ext == nullptr) {
    wire::RejectedResponse rejected;
    rejected.code = "unsupported";
    rejected.message = "fake-sidecar only answers ExtEnvelope requests";
    respond(request, rejected);
    return;
  }
  const std::string& mode = ext->namespace_;
  if (mode == "ok") {
    respond(request, envelope("ok"));
  } else if (mode == "duplicate") {
    respond(request, envelope("first"));
    respond(request, envelope("second"));
  } else if (mode == "unknown-id") {
    respond(request, envelope("stray"), 999999);
    respond(request, envelope("ok"));
  } else if (mode.starts_with("events:")) {
    const int count = std::atoi(mode.c_str() + 7);
    for (int i = 0; i < count; ++i) {
      wire::EventFrame event;
      event.schema = wire::current_schema();
      event.ownership = fake_vm();
      wire::ProcessOutputEvent output;
      output.process_id = "p";
      output.chunk = as_bytes(std::to_string(i));
      event.payload = output;
      write_frame(event);
    }
    respond(request, envelope("ok"));
  } else if (mode == "callback") {
    wire::SidecarRequestFrame callback;
    callback.schema = wire::current_schema();
    callback.request_id = -1;
    callback.ownership = fake_vm();
    wire::HostCallbackRequest host_callback;
    host_callback.invocation_id = "tools:echo:1";
    host_callback.callback_key = "tools:echo";
    host_callback.input = R"({"msg":"hi"})";
    host_callback.timeout_ms = 30000;
    callback.payload = host_callback;
    write_frame(callback);
    const auto answer = read_frame();
    if (!answer) std::exit(1);
    respond(request, envelope("callback-answer", as_bytes(wire::to_json_value(*answer).dump())));
  } else if (mode == "garbage") {
    write_bytes({0, 0, 0, 3, 0x7f, 0x7f, 0x7f});
    respond(request, envelope("ok"));
  } else if (mode == "silent") {
    return;
  } else if (mode.starts_with("exit:")) {
    std::exit(std::atoi(mode.c_str() + 5));
  }
}

}  // namespace

int main() {
  while (auto frame = read_frame()) {
    if (const auto* request = std::get_if<wire::RequestFrame>(&*frame)) handle(*request);
  }
  return 0;
}
