#include "varscope/error.h"

namespace varscope {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kValue:
      return "ValueError";
    case ErrorCode::kType:
      return "TypeError";
    case ErrorCode::kRuntime:
      return "RuntimeError";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgumentError";
    case ErrorCode::kNotFound:
      return "NotFoundError";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExistsError";
    case ErrorCode::kFailedPrecondition:
      return "FailedPreconditionError";
    case ErrorCode::kUnimplemented:
      return "UnimplementedError";
    case ErrorCode::kOutOfMemory:
      return "OutOfMemoryError";
    case ErrorCode::kCuda:
      return "CudaError";
    case ErrorCode::kDataLoss:
      return "DataLossError";
    case ErrorCode::kInternal:
      return "InternalError";
  }
  return "Error";
}

}  // namespace varscope
