// Status and Result<T>: the one error model of the whole server (STYLE.md, "Errors").
//
// They live in the bottom layer so that every layer can use them, and in the namespace
// `aktenwerk` rather than `aktenwerk::storage` because they belong to no single layer.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aktenwerk {

// The closed set of outcomes a caller must tell apart. interfaces/ maps each to an HTTP
// status in one place.
enum class StatusCode {
    kOk = 0,
    kNotFound,
    kAlreadyExists,
    kInvalidArgument,
    kFailedPrecondition,  // e.g. the object is closed (zdA) or under a hold
    kPermissionDenied,
    kUnauthenticated,
    kResourceExhausted,  // body too large, disk full, too many connections
    kCorruption,
    kUnavailable,
    kInternal,
};

// Stable lower-case name of a code, e.g. "not-found". Never changes once released.
std::string_view StatusCodeName(StatusCode code);

// The result of a fallible operation. Cheap to copy when ok. `reason` is an optional stable
// machine-readable refinement of the code ("closed", "disk-full", "body-too-large") that
// interfaces use to pick a problem type; `message` is for humans and carries context.
class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(StatusCode code, std::string message, std::string reason = {})
        : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

    static Status Ok() { return Status(); }

    bool ok() const { return code_ == StatusCode::kOk; }
    StatusCode code() const { return code_; }
    const std::string& message() const { return message_; }
    const std::string& reason() const { return reason_; }

    // Returns a copy whose message is `context: message`, as each layer adds what it was
    // doing and on what in front of the cause.
    Status WithContext(std::string_view context) const;

    // "not-found: <message>", or "ok".
    std::string ToString() const;

  private:
    StatusCode code_ = StatusCode::kOk;
    std::string message_;
    std::string reason_;
};

inline Status NotFoundError(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status AlreadyExistsError(std::string msg, std::string reason = {}) {
    return {StatusCode::kAlreadyExists, std::move(msg), std::move(reason)};
}
inline Status InvalidArgumentError(std::string msg, std::string reason = {}) {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(reason)};
}
inline Status FailedPreconditionError(std::string msg, std::string reason = {}) {
    return {StatusCode::kFailedPrecondition, std::move(msg), std::move(reason)};
}
inline Status PermissionDeniedError(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
}
inline Status UnauthenticatedError(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
}
inline Status ResourceExhaustedError(std::string msg, std::string reason) {
    return {StatusCode::kResourceExhausted, std::move(msg), std::move(reason)};
}
inline Status CorruptionError(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
inline Status UnavailableError(std::string msg) {
    return {StatusCode::kUnavailable, std::move(msg)};
}
inline Status InternalError(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

// Maps an errno value from a failed system call to a Status: ENOSPC and EDQUOT become
// kResourceExhausted with reason "disk-full", EROFS becomes kUnavailable with reason
// "read-only", ENOENT kNotFound, everything else kInternal. `what` names the operation and
// path.
Status ErrnoError(std::string_view what, int err);

// Either a value or a non-ok Status. Accessing value() of an error is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
    Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
        assert(!std::get<Status>(data_).ok());
    }

    bool ok() const { return std::holds_alternative<T>(data_); }
    const Status& status() const {
        static const Status kOkStatus;
        return ok() ? kOkStatus : std::get<Status>(data_);
    }

    T& value() & {
        assert(ok());
        return std::get<T>(data_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<T>(data_);
    }
    T&& value() && {
        assert(ok());
        return std::get<T>(std::move(data_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

  private:
    std::variant<T, Status> data_;
};

}  // namespace aktenwerk

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define AKTENWERK_RETURN_IF_ERROR(expr)                        \
    do {                                                       \
        ::aktenwerk::Status aktenwerk_status_ = (expr);        \
        if (!aktenwerk_status_.ok()) return aktenwerk_status_; \
    } while (false)

#define AKTENWERK_CONCAT_INNER(a, b) a##b
#define AKTENWERK_CONCAT(a, b) AKTENWERK_CONCAT_INNER(a, b)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, otherwise moves the value
// into `lhs`, which may be a declaration (`auto x`).
#define AKTENWERK_ASSIGN_OR_RETURN(lhs, rexpr) \
    AKTENWERK_ASSIGN_OR_RETURN_IMPL(AKTENWERK_CONCAT(aktenwerk_result_, __LINE__), lhs, rexpr)
#define AKTENWERK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
    auto tmp = (rexpr);                                  \
    if (!tmp.ok()) return tmp.status();                  \
    lhs = std::move(tmp).value()
