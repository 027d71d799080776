// A request's failure as the wire reports it: RejectedResponse{code, message}. Handlers return
// Handled<T>; the dispatcher turns a Rejection into the response. Thread-safety: plain values.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "base/error.h"

namespace se::service {

struct Rejection {
  std::string code;
  std::string message;
};

template <typename T>
using Handled = std::expected<T, Rejection>;

inline std::unexpected<Rejection> reject(std::string code, std::string message) {
  return std::unexpected(Rejection{std::move(code), std::move(message)});
}
inline std::unexpected<Rejection> invalid_state(std::string message) {
  return reject("invalid_state", std::move(message));
}
// A kernel failure: "ERRNO: text" under code kernel_error (spec/protocol.md s2).
inline std::unexpected<Rejection> kernel_error(const Error& error) {
  return reject("kernel_error", error.to_string());
}

}  // namespace se::service

// Like TRY, for functions returning Handled<T>: converts a failed kernel ErrorOr into kernel_error.
#define TRY_KERNEL(expr)                                                                           \
  ({                                                                                               \
    auto&& se_try_kernel_result_ = (expr);                                                         \
    if (!se_try_kernel_result_) return ::se::service::kernel_error(se_try_kernel_result_.error()); \
    std::move(se_try_kernel_result_).value();                                                      \
  })

// Propagates a Rejection from a Handled<T> expression.
#define TRY_HANDLED(expr)                                                                           \
  ({                                                                                                \
    auto&& se_try_handled_result_ = (expr);                                                         \
    if (!se_try_handled_result_) return std::unexpected(std::move(se_try_handled_result_).error()); \
    std::move(se_try_handled_result_).value();                                                      \
  })
