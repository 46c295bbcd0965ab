// Byte counts for people: out-of-memory messages and device logs.
#pragma once

#include <string>

namespace varscope {

/// "512 bytes", "1.50 KiB", "2.00 GiB": binary units with two decimals (whole bytes below 1 KiB).
std::string format_bytes(double bytes);

}  // namespace varscope
