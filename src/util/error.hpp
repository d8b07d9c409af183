// Error and Result<T>: how every stage reports failure.
//
// An Error carries the errno of the failing call (0 when the failure is not a system call's) and
// a list of context strings, innermost first as they are added while the error travels up.
// Rendered, the outermost context comes first and strerror comes once at the end:
//   "mount `proc` on `/proc`: Operation not permitted".
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace crunlite {

class Error {
public:
    // A failure described by `what` alone (validation, bad input).
    static Error message(std::string what) { return Error(0, std::move(what)); }

    // A failed system call: `what` names the operation and object, `errnum` is captured at the call.
    static Error system(int errnum, std::string what) { return Error(errnum, std::move(what)); }

    // Shorthand for a failed system call that just set errno.
    static Error from_errno(std::string what) { return Error(errno, std::move(what)); }

    // Adds an outer context, so callers can say what they were doing.
    Error &wrap(std::string outer) &
    {
        context_.push_back(std::move(outer));
        return *this;
    }
    Error &&wrap(std::string outer) &&
    {
        context_.push_back(std::move(outer));
        return std::move(*this);
    }

    int errnum() const { return errnum_; }

    // The status the command should exit with when this error ends it: 1 unless a stage knows
    // better (127 for a command missing in the image, as a shell would say).
    int exit_status() const { return exit_status_; }
    Error &with_exit_status(int status) &
    {
        exit_status_ = status;
        return *this;
    }
    Error &&with_exit_status(int status) &&
    {
        exit_status_ = status;
        return std::move(*this);
    }

    // "outer: inner: innermost: strerror".
    std::string render() const;

private:
    Error(int errnum, std::string what) : errnum_(errnum) { context_.push_back(std::move(what)); }

    int errnum_;
    int exit_status_ = 1;
    std::vector<std::string> context_;
};

// A value or an Error. [[nodiscard]] so that a forgotten check is a compile warning.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}
    Result(Error error) : value_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(value_); }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<T>(value_); }
    T &&value() && { return std::get<T>(std::move(value_)); }
    const T &value() const & { return std::get<T>(value_); }
    T *operator->() { return &value(); }
    T &operator*() & { return value(); }

    Error &error() & { return std::get<Error>(value_); }
    Error &&error() && { return std::get<Error>(std::move(value_)); }
    const Error &error() const & { return std::get<Error>(value_); }

private:
    std::variant<T, Error> value_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Ok) {}
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }

    Error &error() & { return error_; }
    Error &&error() && { return std::move(error_); }
    const Error &error() const & { return error_; }

private:
    Error error_ = Error::message("");
    bool failed_ = false;
};

using Status = Result<void>;

} // namespace crunlite

// Evaluates a Result expression; on failure returns its Error from the enclosing function,
// otherwise yields the value. Uses a GNU statement expression (GCC and Clang both have them).
#define TRY(expr)                                                                                  \
    ({                                                                                             \
        auto try_result_ = (expr);                                                                 \
        if (!try_result_.ok())                                                                     \
            return std::move(try_result_).error();                                                 \
        crunlite::detail::take_value(std::move(try_result_));                                      \
    })

// TRY for Status expressions, with an outer context added on failure.
#define TRY_CONTEXT(expr, context)                                                                 \
    ({                                                                                             \
        auto try_result_ = (expr);                                                                 \
        if (!try_result_.ok())                                                                     \
            return std::move(try_result_).error().wrap(context);                                  \
        crunlite::detail::take_value(std::move(try_result_));                                      \
    })

namespace crunlite::detail {
template <typename T>
T take_value(Result<T> &&result)
{
    return std::move(result).value();
}
inline void take_value(Result<void> &&) {}
} // namespace crunlite::detail
