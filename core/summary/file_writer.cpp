// The event file is written through stdio: scalars, small and frequent, wait in its buffer until
// flush_secs have passed since the last flush, while the first record and graphs go out at once.
// One mutex orders records from all threads; records are built outside it.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include "core/logging.h"
#include "core/proto/event.pb.h"
#include "core/summary/graph_def.h"
#include "core/summary/record_writer.h"
#include "varscope/error.h"
#include "varscope/summary.h"

namespace varscope::summary {
namespace tb = tensorboard;
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kFileVersion = "brain.Event:2";

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// "events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix>": the counter keeps the names of two
// writers opened in the same second by one process apart (TensorBoard's own writer does the same).
std::string event_file_name(std::int64_t seconds, const std::string& suffix) {
  static std::atomic<std::uint64_t> counter{0};
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", static_cast<long long>(seconds));
  return "events.out.tfevents." + std::string(stamp) + "." + hostname() + "." +
         std::to_string(::getpid()) + "." + std::to_string(counter++) + suffix;
}

// Deterministic: map entries (NodeDef attrs) sorted by key, so one graph always gives the same
// bytes.
std::string serialize(const google::protobuf::MessageLite& message, const std::string& what) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!message.SerializeToCodedStream(&coded)) {
      throw InvalidArgumentError("Cannot serialize " + what + " (" +
                                 std::to_string(message.ByteSizeLong()) +
                                 " bytes; protobuf's limit is 2 GiB)");
    }
  }
  return bytes;
}

}  // namespace

struct FileWriter::State {
  std::mutex mutex;
  RecordWriter records;
  double flush_secs;
  Clock::time_point last_flush = Clock::now();

  State(std::string path, double flush_secs) : records(std::move(path)), flush_secs(flush_secs) {}

  void write(const tb::Event& event, bool flush_now) {
    const std::string payload = serialize(event, "an event for " + records.path());
    std::lock_guard lock(mutex);
    if (!records.is_open())
      throw FailedPreconditionError("FileWriter: " + records.path() + " is closed");
    records.write(payload);
    const Clock::time_point now = Clock::now();
    if (flush_now || std::chrono::duration<double>(now - last_flush).count() >= flush_secs) {
      records.flush();
      last_flush = now;
    }
  }
};

FileWriter::FileWriter(std::string logdir, FileWriterOptions options) : logdir_(std::move(logdir)) {
  if (logdir_.empty()) throw InvalidArgumentError("FileWriter: the log directory is empty");
  std::error_code ec;
  std::filesystem::create_directories(logdir_, ec);
  if (ec)
    throw InvalidArgumentError("Cannot create log directory " + logdir_ + ": " + ec.message());

  // The first record holds whole seconds, the time in the file name (TF's EventsWriter).
  const auto seconds = static_cast<std::int64_t>(wall_time_now());
  path_ =
      (std::filesystem::path(logdir_) / event_file_name(seconds, options.filename_suffix)).string();
  state_ = std::make_unique<State>(path_, options.flush_secs);

  tb::Event event;
  event.set_wall_time(static_cast<double>(seconds));
  event.set_file_version(kFileVersion);
  state_->write(event, /*flush_now=*/true);
}

FileWriter::~FileWriter() {
  try {
    close();
  } catch (const std::exception& e) {
    log_error("FileWriter: closing " + path_ + " failed: " + e.what());
  }
}

void FileWriter::add_graph(const Graph& graph, std::int64_t step) {
  tb::Event event;
  event.set_wall_time(wall_time_now());
  event.set_step(step);
  event.set_graph_def(serialize(to_graph_def(graph), "the GraphDef for " + path_));
  state_->write(event, /*flush_now=*/true);
}

void FileWriter::scalar(std::string_view tag, double value, std::int64_t step) {
  tb::Event event;
  event.set_wall_time(wall_time_now());
  event.set_step(step);
  tb::Summary::Value* summary_value = event.mutable_summary()->add_value();
  summary_value->set_tag(std::string(tag));
  summary_value->set_simple_value(static_cast<float>(value));
  state_->write(event, /*flush_now=*/false);
}

void FileWriter::flush() {
  std::lock_guard lock(state_->mutex);
  state_->records.flush();
  state_->last_flush = Clock::now();
}

void FileWriter::close() {
  std::lock_guard lock(state_->mutex);
  state_->records.close();
}

}  // namespace varscope::summary
