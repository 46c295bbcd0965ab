// libFuzzer target: an IDX file (plain or gzipped) of arbitrary bytes. read_idx may only reject it
// with a varscope::Error; a tensor it returns has only positive dimensions (IDX forbids 0) and
// every byte its shape promises is readable (AddressSanitizer checks the read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input_file.h"
#include "varscope/data.h"
#include "varscope/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static varscope::fuzz::FuzzInputFile file;
  const std::string& path = file.write(data, size);
  try {
    const varscope::Tensor images = varscope::data::read_idx(path);
    for (const std::int64_t d : images.shape().dims()) {
      if (d <= 0) std::abort();
    }
    const auto* bytes = static_cast<const unsigned char*>(images.raw_data());
    unsigned sum = 0;
    for (std::size_t i = 0; i < images.nbytes(); ++i) sum += bytes[i];
    volatile unsigned sink = sum;
    (void)sink;
  } catch (const varscope::Error&) {
  }
  return 0;
}
