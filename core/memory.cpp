#include "varscope/memory.h"

namespace varscope {

std::string_view memory_category_name(MemoryCategory category) {
  switch (category) {
    case MemoryCategory::kVariable:
      return "Variable";
    case MemoryCategory::kGradient:
      return "Gradient";
    case MemoryCategory::kOptimizerSlot:
      return "OptimizerSlot";
    case MemoryCategory::kActivation:
      return "Activation";
    case MemoryCategory::kWorkspace:
      return "Workspace";
    case MemoryCategory::kOther:
      return "Other";
  }
  return "Unknown";
}

}  // namespace varscope
