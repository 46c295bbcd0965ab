#include "core/checkpoint/checkpoint_state.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/file_io.h"
#include "varscope/error.h"

namespace varscope::checkpoint {
namespace {

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

// The quoted string at `text` (C escapes; octal escapes as protobuf writes non-ASCII bytes).
std::optional<std::string> unquote(std::string_view text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
  text = text.substr(1, text.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    const char c = text[i];
    if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c == 'r')
      out += '\r';
    else if (c >= '0' && c <= '7') {
      int value = 0;
      std::size_t digits = 0;
      for (; digits < 3 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++digits, ++i) {
        value = value * 8 + (text[i] - '0');
      }
      --i;
      out += static_cast<char>(value);
    } else {
      out += c;  // \" \\ \'
    }
  }
  return out;
}

}  // namespace

std::optional<CheckpointState> read_checkpoint_state(const std::string& dir,
                                                     const std::string& filename) {
  const std::string path = (std::filesystem::path(dir) / filename).string();
  std::ifstream in(path);
  if (!in) return std::nullopt;
  CheckpointState state;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const std::size_t colon = line.find(':', begin);
    const std::size_t end = line.find_last_not_of(" \t\r");
    if (colon == std::string::npos) {
      throw DataLossError("Cannot parse checkpoint state " + path + " line " +
                          std::to_string(number) + ": " + line);
    }
    const std::string key = line.substr(begin, colon - begin);
    const std::size_t value_begin = line.find_first_not_of(" \t", colon + 1);
    const std::string_view value =
        value_begin == std::string::npos || value_begin > end
            ? std::string_view{}
            : std::string_view(line).substr(value_begin, end + 1 - value_begin);
    if (key != "model_checkpoint_path" && key != "all_model_checkpoint_paths")
      continue;  // timestamps (TF2)
    const std::optional<std::string> text = unquote(value);
    if (!text) {
      throw DataLossError("Cannot parse checkpoint state " + path + " line " +
                          std::to_string(number) + ": expected a quoted path after " + key);
    }
    if (key == "model_checkpoint_path") {
      state.model_checkpoint_path = *text;
    } else {
      state.all_model_checkpoint_paths.push_back(*text);
    }
  }
  return state;
}

void write_checkpoint_state(const std::string& dir, const std::string& filename,
                            const CheckpointState& state) {
  std::ostringstream text;
  text << "model_checkpoint_path: " << quote(state.model_checkpoint_path) << "\n";
  for (const std::string& path : state.all_model_checkpoint_paths) {
    text << "all_model_checkpoint_paths: " << quote(path) << "\n";
  }
  const std::string bytes = text.str();
  AtomicFileWriter writer((std::filesystem::path(dir) / filename).string());
  writer.write(bytes.data(), bytes.size());
  writer.commit();
}

}  // namespace varscope::checkpoint
