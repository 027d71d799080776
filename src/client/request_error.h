// The failure of one client call: either the sidecar's RejectedResponse{code, message}, kept verbatim
// so callers and tests can branch on exact codes, or a client-side failure (transport, timeout,
// unexpected response kind) with one of the kClient* codes below.
// Thread-safety: plain values.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "base/error.h"

namespace se::client {

// Codes the client itself produces; the sidecar never sends these.
inline constexpr const char* kTransportError = "transport_error";
inline constexpr const char* kTimeout = "timeout";
inline constexpr const char* kUnexpectedResponse = "unexpected_response";

struct RequestError {
  std::string code;
  std::string message;
  bool rejected = false;  // true when the sidecar answered RejectedResponse

  // "code: message", the form the CLI prints.
  std::string to_string() const { return code + ": " + message; }
};

template <typename T>
using Result = std::expected<T, RequestError>;

inline std::unexpected<RequestError> client_failure(std::string code, std::string message) {
  return std::unexpected(RequestError{std::move(code), std::move(message), false});
}
inline std::unexpected<RequestError> transport_failure(const Error& error) {
  return client_failure(kTransportError, error.to_string());
}

}  // namespace se::client

// Like TRY, for functions returning se::client::Result<T>.
#define TRY_REQUEST(expr)                                                                           \
  ({                                                                                                \
    auto&& se_try_request_result_ = (expr);                                                         \
    if (!se_try_request_result_) return std::unexpected(std::move(se_try_request_result_).error()); \
    std::move(se_try_request_result_).value();                                                      \
  })
