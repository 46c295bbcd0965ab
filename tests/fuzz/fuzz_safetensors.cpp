// libFuzzer target: a checkpoint (safetensors) file of arbitrary bytes. CheckpointReader may only
// reject it with a varscope::Error (DataLossError...); every tensor it lists must then read back
// with the dtype and shape it reported. Anything else (a crash, a leak, another exception type, an
// allocation beyond the file's size) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input_file.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static varscope::fuzz::FuzzInputFile file;
  const std::string& path = file.write(data, size);
  try {
    const varscope::train::CheckpointReader reader(path);
    for (const std::string& key : reader.keys()) {
      const varscope::Tensor tensor = reader.tensor(key);
      if (tensor.dtype() != reader.dtype(key) || tensor.shape() != reader.shape(key)) std::abort();
    }
    (void)reader.metadata();
  } catch (const varscope::Error&) {
    // A clear rejection is the expected outcome for nearly every input.
  }
  return 0;
}
