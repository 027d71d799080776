// Error values shared by every layer: an errno (Linux numbering) plus a message.
// ErrorOr<T> is std::expected<T, Error>; TRY propagates failures without exceptions.
// Thread-safety: plain values, no shared state.
#pragma once

#include <cerrno>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

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

#if defined(__cpp_lib_expected)
template <typename T>
using ErrorOr = std::expected<T, Error>;
using Unexpected = std::unexpected<Error>;
#else
// clang 14 (used for libFuzzer and clang-tidy) cannot instantiate libstdc++ 12's std::expected.
// This minimal stand-in offers the subset of std::expected our code uses; g++ builds never see it.
struct Unexpected {
  explicit Unexpected(Error e) : error_value(std::move(e)) {}
  Error error_value;
  const Error& error() const& { return error_value; }
};
template <typename T>
class ErrorOr {
 public:
  ErrorOr() requires std::is_default_constructible_v<T> : state_(std::in_place_index<0>) {}
  template <typename U = T>
  requires std::is_constructible_v<T, U&&> &&
      (!std::is_same_v<std::remove_cvref_t<U>, ErrorOr>)&&(!std::is_same_v<std::remove_cvref_t<U>, Unexpected>)
          ErrorOr(U&& value)
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  ErrorOr(Unexpected failure) : state_(std::in_place_index<1>, std::move(failure.error_value)) {}
  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Error& error() & { return std::get<1>(state_); }
  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};
template <>
class ErrorOr<void> {
 public:
  ErrorOr() = default;
  ErrorOr(Unexpected failure) : error_(std::move(failure.error_value)) {}
  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  void value() const {}
  void operator*() const {}
  Error& error() & { return *error_; }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};
#endif

// Shorthand for returning a failure from a function returning ErrorOr<T>.
inline Unexpected fail(int code, std::string message) {
  return Unexpected(Error::from_errno(code, std::move(message)));
}
inline Unexpected fail(Error error) {
  return Unexpected(std::move(error));
}

}  // namespace se

// Evaluates an ErrorOr expression; on failure returns its error from the enclosing function,
// otherwise yields the value (GNU statement expression, supported by g++ and clang).
#define TRY(expr)                                                                    \
  ({                                                                                 \
    auto&& se_try_result_ = (expr);                                                  \
    if (!se_try_result_) return ::se::Unexpected(std::move(se_try_result_).error()); \
    std::move(se_try_result_).value();                                               \
  })
