// summary::FileWriter: the event file's name and first record, scalars and graphs read back with
// our record reader and the generated protobuf classes, flushing, closing, and logging from
// several threads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/event.pb.h"
#include "core/proto/graph.pb.h"
#include "core/summary/record_reader.h"
#include "expect_error.h"
#include "scratch_dir.h"
#include "varscope/varscope.h"

namespace varscope::summary {
namespace {

namespace fs = std::filesystem;
namespace tb = tensorboard;

std::vector<tb::Event> read_events(const std::string& path) {
  std::vector<tb::Event> events;
  for (const std::string& payload : read_records(path)) {
    tb::Event event;
    EXPECT_TRUE(event.ParseFromString(payload)) << path;
    events.push_back(std::move(event));
  }
  return events;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SummaryFileWriterTest : public ::testing::Test {
 protected:
  std::string logdir(const std::string& sub = "run") const { return (dir_ / sub).string(); }

  testing::ScratchDir scratch_;
  fs::path dir_ = scratch_.path();
};

TEST_F(SummaryFileWriterTest, CreatesTheLogdirAndANamedEventFile) {
  const double before = now_seconds();
  FileWriter writer(logdir("a/b/run"), {.filename_suffix = ".v2"});
  const double after = now_seconds();
  EXPECT_EQ(writer.logdir(), logdir("a/b/run"));
  ASSERT_TRUE(fs::is_directory(logdir("a/b/run")));
  EXPECT_EQ(fs::path(writer.path()).parent_path(), fs::path(logdir("a/b/run")));
  EXPECT_TRUE(fs::is_regular_file(writer.path()));

  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::string name = fs::path(writer.path()).filename().string();
  std::smatch match;
  const std::regex pattern(R"(events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)\.v2)");
  ASSERT_TRUE(std::regex_match(name, match, pattern)) << name;
  const double stamp = std::stod(match[1].str());
  EXPECT_GE(stamp, std::floor(before));
  EXPECT_LE(stamp, after);
  EXPECT_EQ(match[2].str(), host);
  EXPECT_EQ(match[3].str(), std::to_string(::getpid()));
}

TEST_F(SummaryFileWriterTest, TwoWritersInOneDirectoryGetTwoFiles) {
  FileWriter a(logdir()), b(logdir());
  EXPECT_NE(a.path(), b.path());
  EXPECT_TRUE(fs::exists(a.path()));
  EXPECT_TRUE(fs::exists(b.path()));
}

// Flushed at once: readable while the writer is open, with nothing else written.
TEST_F(SummaryFileWriterTest, FirstRecordIsTheFileVersion) {
  const double before = now_seconds();
  FileWriter writer(logdir());
  const std::vector<tb::Event> events = read_events(writer.path());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].what_case(), tb::Event::kFileVersion);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[0].step(), 0);
  // Whole seconds, the same as in the file name.
  EXPECT_EQ(events[0].wall_time(), std::floor(events[0].wall_time()));
  EXPECT_GE(events[0].wall_time(), std::floor(before));
  EXPECT_LE(events[0].wall_time(), now_seconds());
  EXPECT_NE(writer.path().find(std::to_string(static_cast<long long>(events[0].wall_time()))),
            std::string::npos);
}

TEST_F(SummaryFileWriterTest, ScalarsReadBack) {
  FileWriter writer(logdir());
  const double before = now_seconds();
  for (int step = 0; step < 10; ++step) writer.scalar("loss", 1.0 / (step + 1), step);
  writer.scalar("train/accuracy", 0.875, 9);
  writer.flush();

  const std::vector<tb::Event> events = read_events(writer.path());
  ASSERT_EQ(events.size(), 12u);
  for (int step = 0; step < 10; ++step) {
    const tb::Event& e = events[static_cast<std::size_t>(step) + 1];
    ASSERT_EQ(e.what_case(), tb::Event::kSummary);
    EXPECT_EQ(e.step(), step);
    EXPECT_GE(e.wall_time(), before);
    ASSERT_EQ(e.summary().value_size(), 1);
    EXPECT_EQ(e.summary().value(0).tag(), "loss");
    EXPECT_EQ(e.summary().value(0).simple_value(), static_cast<float>(1.0 / (step + 1)));
  }
  EXPECT_EQ(events[11].summary().value(0).tag(), "train/accuracy");
  EXPECT_EQ(events[11].summary().value(0).simple_value(), 0.875f);
  EXPECT_EQ(events[11].step(), 9);
}

// Scalars wait in the buffer (flush_secs = 120 by default) until flush(); flush_secs = 0 sends
// each at once.
TEST_F(SummaryFileWriterTest, ScalarsAreBufferedUntilFlushSecs) {
  FileWriter buffered(logdir("buffered"));
  buffered.scalar("x", 1.0, 1);
  EXPECT_EQ(read_records(buffered.path()).size(), 1u);
  buffered.flush();
  EXPECT_EQ(read_records(buffered.path()).size(), 2u);

  FileWriter eager(logdir("eager"), {.flush_secs = 0});
  eager.scalar("x", 1.0, 1);
  EXPECT_EQ(read_records(eager.path()).size(), 2u);
}

TEST_F(SummaryFileWriterTest, DestructorFlushes) {
  std::string path;
  {
    FileWriter writer(logdir());
    path = writer.path();
    writer.scalar("loss", 0.5, 3);
  }
  const std::vector<tb::Event> events = read_events(path);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].summary().value(0).simple_value(), 0.5f);
}

TEST_F(SummaryFileWriterTest, CloseIsIdempotentAndRefusesLaterWrites) {
  FileWriter writer(logdir());
  writer.scalar("loss", 2.0, 0);
  writer.close();
  writer.close();
  writer.flush();  // nothing to do
  const std::string closed = "FileWriter: " + writer.path() + " is closed";
  VS_EXPECT_ERROR(writer.scalar("loss", 1.0, 1), FailedPreconditionError, closed);
  Graph g;
  VS_EXPECT_ERROR(writer.add_graph(g), FailedPreconditionError, closed);
  EXPECT_EQ(read_events(writer.path()).size(), 2u);
}

TEST_F(SummaryFileWriterTest, LogdirThatIsAFile) {
  fs::create_directories(dir_);
  std::ofstream(logdir("file")) << "not a directory";
  VS_EXPECT_ERROR_PREFIX(FileWriter(logdir("file") + "/run"), InvalidArgumentError,
                         "Cannot create log directory " + logdir("file") + "/run: ");
}

TEST_F(SummaryFileWriterTest, AddGraphWritesTheScopedGraph) {
  Graph g;
  {
    DefaultGraph use{g};
    Output x = placeholder(float32, {-1, 4}, "x");
    VariableScope model{"model"};
    Output w = get_variable("w", {4, 2});
    matmul(x, w);
  }
  FileWriter writer(logdir());
  writer.add_graph(g, 5);
  // Graphs are flushed at once.
  const std::vector<tb::Event> events = read_events(writer.path());
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(events[1].what_case(), tb::Event::kGraphDef);
  EXPECT_EQ(events[1].step(), 5);
  tb::GraphDef graph_def;
  ASSERT_TRUE(graph_def.ParseFromString(events[1].graph_def()));
  ASSERT_EQ(graph_def.node_size(), static_cast<int>(g.num_nodes()));
  std::map<std::string, const tb::NodeDef*> by_name;
  for (const tb::NodeDef& node : graph_def.node()) by_name[node.name()] = &node;
  ASSERT_TRUE(by_name.count("model/MatMul"));
  EXPECT_EQ(by_name["model/MatMul"]->op(), "MatMul");
  EXPECT_EQ(std::vector<std::string>(by_name["model/MatMul"]->input().begin(),
                                     by_name["model/MatMul"]->input().end()),
            (std::vector<std::string>{"x", "model/w/read"}));
  const tb::AttrValue& shapes = by_name["model/MatMul"]->attr().at("_output_shapes");
  ASSERT_EQ(shapes.list().shape_size(), 1);
  ASSERT_EQ(shapes.list().shape(0).dim_size(), 2);
  EXPECT_EQ(shapes.list().shape(0).dim(0).size(), -1);
  EXPECT_EQ(shapes.list().shape(0).dim(1).size(), 2);
  ASSERT_TRUE(by_name.count("model/w"));
  EXPECT_EQ(by_name["model/w"]->op(), "VariableV2");
}

// Each record arrives whole from any number of threads: every event parses, none is missing.
TEST_F(SummaryFileWriterTest, ConcurrentScalars) {
  constexpr int kThreads = 4, kSteps = 200;
  FileWriter writer(logdir());
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        for (int step = 0; step < kSteps; ++step)
          writer.scalar("thread_" + std::to_string(t), t * 1000 + step, step);
      });
    }
  }
  writer.close();
  const std::vector<tb::Event> events = read_events(writer.path());
  ASSERT_EQ(events.size(), 1u + kThreads * kSteps);
  std::map<std::string, std::vector<std::int64_t>> steps;
  for (std::size_t i = 1; i < events.size(); ++i) {
    const tb::Summary::Value& v = events[i].summary().value(0);
    const int t = std::stoi(v.tag().substr(7));
    EXPECT_EQ(v.simple_value(), static_cast<float>(t * 1000 + events[i].step()));
    steps[v.tag()].push_back(events[i].step());
  }
  ASSERT_EQ(steps.size(), static_cast<std::size_t>(kThreads));
  for (const auto& [tag, s] : steps) {
    ASSERT_EQ(s.size(), static_cast<std::size_t>(kSteps)) << tag;
    for (int step = 0; step < kSteps; ++step)
      EXPECT_EQ(s[static_cast<std::size_t>(step)], step) << tag;
  }
}

}  // namespace
}  // namespace varscope::summary
