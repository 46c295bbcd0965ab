// Reading TFRecord files (the framing of record_writer.h), checking every CRC.
#pragma once

#include <string>
#include <vector>

namespace varscope::summary {

/// The payloads of every record of `path`, in order. Throws NotFoundError when the file does not
/// exist, InvalidArgumentError when it cannot be read, and DataLossError naming the file, the
/// record's index and byte offset when a record is truncated or its length or payload CRC does not
/// match. A corrupt length never makes it allocate more than the bytes left in the file.
std::vector<std::string> read_records(const std::string& path);

}  // namespace varscope::summary
