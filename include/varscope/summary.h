// TensorBoard event files: TF1's tf.summary.FileWriter.
//
//   vs::summary::FileWriter writer{"runs/cnn"};  // runs/cnn/events.out.tfevents.<t>.<host>...
//   writer.add_graph(g);                         // Graphs: a box per variable/name scope
//   for (std::int64_t step = 0; step < steps; ++step) {
//     writer.scalar("loss", loss, step);         // Scalars: a curve per tag
//   }
//
// Then `tensorboard --logdir runs` shows the run "cnn". Files are TFRecord-framed Event protobufs
// with masked CRC32C checksums, readable by TensorBoard and TensorFlow.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace varscope {
class Graph;
}  // namespace varscope

namespace varscope::summary {

/// Options of FileWriter, in TF's keyword order.
struct FileWriterOptions {
  /// Scalars are buffered; a scalar written when the last flush is at least this many seconds
  /// old flushes them all (TF's flush_secs, checked at each write: there is no timer thread).
  /// 0 flushes after every scalar. The first record and graphs are always flushed at once.
  double flush_secs{120.0};
  /// Appended to the event file's name (TF's filename_suffix).
  std::string filename_suffix{};
};

/// Writes one event file in a log directory (tf.summary.FileWriter). Thread-safe: several
/// threads may log through one writer; each record is written whole.
class FileWriter {
 public:
  /// Creates `logdir` (and its parents) and the event file
  /// "events.out.tfevents.<10-digit seconds>.<hostname>.<pid>.<counter><suffix>", whose first
  /// record Event{wall_time, file_version = "brain.Event:2"} is flushed at once. Throws
  /// InvalidArgumentError naming the directory when it cannot be created, NotFoundError or
  /// InvalidArgumentError naming the file when it cannot be.
  explicit FileWriter(std::string logdir, FileWriterOptions options = {});
  /// Flushes and closes; never throws (a failure is logged).
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  /// Writes the graph as a GraphDef (node names with their scopes, inputs, devices, attrs and
  /// `_output_shapes`) in Event{graph_def} and flushes (FileWriter.add_graph). Throws
  /// FailedPreconditionError after close(), InvalidArgumentError naming the file when writing
  /// fails.
  void add_graph(const Graph& graph, std::int64_t step = 0);
  /// Writes Event{step, summary{value{tag, simple_value}}}: a point of the curve `tag` (the
  /// value is stored as float32, as TF does). Same errors as add_graph.
  void scalar(std::string_view tag, double value, std::int64_t step);
  /// Hands everything written so far to the OS, so TensorBoard sees it. No-op after close().
  void flush();
  /// Flushes and closes the file; idempotent. Later writes throw FailedPreconditionError.
  void close();

  /// The log directory, as given.
  const std::string& logdir() const { return logdir_; }
  /// The event file: "<logdir>/events.out.tfevents....".
  const std::string& path() const { return path_; }

 private:
  struct State;

  std::string logdir_;
  std::string path_;
  std::unique_ptr<State> state_;
};

}  // namespace varscope::summary
