// libFuzzer target: a TensorBoard event file (TFRecord framing, CRC32C-masked) of arbitrary bytes.
// read_records may only reject it with a varscope::Error; each record it returns is then parsed as
// an Event, as TensorBoard would (protobuf rejects bad payloads by returning false).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/proto/event.pb.h"
#include "core/summary/record_reader.h"
#include "fuzz_input_file.h"
#include "varscope/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static varscope::fuzz::FuzzInputFile file;
  const std::string& path = file.write(data, size);
  try {
    for (const std::string& record : varscope::summary::read_records(path)) {
      varscope::tensorboard::Event event;
      (void)event.ParseFromString(record);
    }
  } catch (const varscope::Error&) {
  }
  return 0;
}
