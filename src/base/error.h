// Error values shared by every layer: an errno (Linux numbering) plus a message.
// ErrorOr<T> is std::expected<T, Error>; TRY propagates failures without exceptions.
// Thread-safety: plain values, no shared state.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace se {

struct Error {
  int errno_code = 0;   // 0 when the failure is not an errno-style error
  std::string message;  // text without the errno prefix

  static Error from_errno(int code, std::string message) { return Error{code, std::move(message)}; }
  static Error plain(std::string message) { return Error{0, std::move(message)}; }

  // "ENOENT" for ENOENT; "E<number>" for values we do not name.
  std::string errno_name() const;
  // "ENOENT: no such file: /x" (or just the message when errno_code is 0).
  std::string to_string() const;
};

// Symbolic name of a Linux errno value ("EACCES"); empty for 0.
std::string errno_name(int code);

template <typename T>
using ErrorOr = std::expected<T, Error>;

// Shorthand for returning a failure from a function returning ErrorOr<T>.
inline std::unexpected<Error> fail(int code, std::string message) {
  return std::unexpected(Error::from_errno(code, std::move(message)));
}
inline std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }

}  // namespace se

// Evaluates an ErrorOr expression; on failure returns its error from the enclosing function,
// otherwise yields the value (GNU statement expression, supported by g++ and clang).
#define TRY(expr)                                              \
  ({                                                           \
    auto&& se_try_result_ = (expr);                            \
    if (!se_try_result_) return std::unexpected(std::move(se_try_result_).error()); \
    std::move(se_try_result_).value();                         \
  })
