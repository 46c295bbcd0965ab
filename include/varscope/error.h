// The error types of varscope, named after TensorFlow's.
//
// Every error is a varscope::Error (a std::runtime_error); catch the base to handle them all.
// Scope and variable errors carry TensorFlow 1's exact text, so the messages users search for
// ("Variable foo/v already exists, disallowed...") read the same here.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace varscope {

/// The kind of an Error; one enumerator per exception class below.
enum class ErrorCode {
  kValue,
  kType,
  kRuntime,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kUnimplemented,
  kOutOfMemory,
  kCuda,
  kDataLoss,
  kInternal,
};

/// "ValueError", "InvalidArgumentError", ... for an ErrorCode.
std::string_view error_code_name(ErrorCode code);

/// Base of every error varscope throws.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

#define VS_DEFINE_ERROR(Name, Code)                                                 \
  class Name : public Error {                                                       \
   public:                                                                          \
    explicit Name(const std::string& message) : Error(ErrorCode::Code, message) {} \
  }

/// Python's ValueError in TF1: scope/variable misuse (exists, does not exist, shape mismatch...).
VS_DEFINE_ERROR(ValueError, kValue);
/// Python's TypeError in TF1 (e.g. variable_scope without a name or default_name).
VS_DEFINE_ERROR(TypeError, kType);
/// Python's RuntimeError in TF1 (e.g. improper nesting of variable_scope).
VS_DEFINE_ERROR(RuntimeError, kRuntime);
/// Bad op inputs: rank, shape or dtype mismatch at graph build; bad feeds at run time.
VS_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument);
/// A name, key or file that does not exist.
VS_DEFINE_ERROR(NotFoundError, kNotFound);
/// Something that must be unique already exists.
VS_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists);
/// The system is not in a state to do this (e.g. reading an uninitialized variable).
VS_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition);
/// No kernel for (op, device, dtype), or a feature not built.
VS_DEFINE_ERROR(UnimplementedError, kUnimplemented);
/// An allocator could not satisfy a request (TF's ResourceExhausted).
VS_DEFINE_ERROR(OutOfMemoryError, kOutOfMemory);
/// A CUDA, cuBLAS or cuDNN call failed.
VS_DEFINE_ERROR(CudaError, kCuda);
/// A file that is truncated or corrupt (bad CRC, bad header, offsets out of range).
VS_DEFINE_ERROR(DataLossError, kDataLoss);
/// A broken invariant inside varscope: a bug, please report it.
VS_DEFINE_ERROR(InternalError, kInternal);

#undef VS_DEFINE_ERROR

}  // namespace varscope
