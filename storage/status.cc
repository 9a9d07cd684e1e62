// Status names and errno mapping.
#include "storage/status.h"

#include <cerrno>
#include <cstring>

namespace aktenwerk {

std::string_view StatusCodeName(StatusCode code) {
    switch (code) {
        case StatusCode::kOk:
            return "ok";
        case StatusCode::kNotFound:
            return "not-found";
        case StatusCode::kAlreadyExists:
            return "already-exists";
        case StatusCode::kInvalidArgument:
            return "invalid-argument";
        case StatusCode::kFailedPrecondition:
            return "failed-precondition";
        case StatusCode::kPermissionDenied:
            return "permission-denied";
        case StatusCode::kUnauthenticated:
            return "unauthenticated";
        case StatusCode::kResourceExhausted:
            return "resource-exhausted";
        case StatusCode::kCorruption:
            return "corruption";
        case StatusCode::kUnavailable:
            return "unavailable";
        case StatusCode::kInternal:
            return "internal";
    }
    return "internal";
}

Status Status::WithContext(std::string_view context) const {
    if (ok()) return *this;
    std::string msg(context);
    msg += ": ";
    msg += message_;
    return Status(code_, std::move(msg), reason_);
}

std::string Status::ToString() const {
    if (ok()) return "ok";
    std::string out(StatusCodeName(code_));
    out += ": ";
    out += message_;
    return out;
}

Status ErrnoError(std::string_view what, int err) {
    std::string msg(what);
    msg += ": ";
    msg += std::strerror(err);
    switch (err) {
        case ENOSPC:
        case EDQUOT:
            return ResourceExhaustedError(std::move(msg), "disk-full");
        case EROFS:
            return Status(StatusCode::kUnavailable, std::move(msg), "read-only");
        case ENOENT:
            return NotFoundError(std::move(msg));
        default:
            return InternalError(std::move(msg));
    }
}

}  // namespace aktenwerk
