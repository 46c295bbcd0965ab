// A process killed (SIGKILL) in the middle of Saver::save must leave a loadable latest checkpoint.
// A child program (tests/programs/save_forever) saves a 1 MiB checkpoint with an increasing global
// step over and over. We kill it 100 times, half at random moments and half at random moments of a
// save in progress, and check each time that the checkpoint the state file names
// (latest_checkpoint) is one complete checkpoint of that step, every element equal to the step,
// and that a Saver restores it. A temporary file left behind shows the kill landed mid-save.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "scratch_dir.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/saver.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

extern char** environ;

namespace varscope {
namespace {

namespace fs = std::filesystem;

// Starts save_forever and waits for its first complete save.
pid_t start_saver(const std::string& dir) {
  int out[2];
  EXPECT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string program = VARSCOPE_SAVE_FOREVER_PROGRAM;
  std::string arg = dir;
  char* argv[] = {program.data(), arg.data(), nullptr};
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ), 0) << program;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char line[16] = {};
  const ssize_t n = ::read(out[0], line, sizeof line - 1);
  ::close(out[0]);
  EXPECT_GT(n, 0) << "save_forever exited before its first save";
  EXPECT_EQ(std::string(line, static_cast<std::size_t>(std::max<ssize_t>(n, 0))), "saved\n");
  return pid;
}

int count_temporary_files(const std::string& dir) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
      ++n;
      fs::remove(entry.path());
    }
  }
  return n;
}

// Polls `dir` until a save's temporary file exists (or `limit` passes).
void wait_for_temporary_file(const std::string& dir, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

TEST(SaveKillTest, KillingTheProcessDuringSaveAlwaysLeavesALoadableLatestCheckpoint) {
  constexpr int kKills = 100;
  testing::ScratchDir dir;
  // The variables save_forever saves, to restore into.
  Graph graph;
  DefaultGraph use{graph};
  const Variable big = get_variable("big", {256, 1024}, {.initializer = zeros()});
  const Variable counter = get_variable("counter", {1}, {.initializer = zeros()});
  Session sess{graph};
  train::Saver saver;

  std::mt19937 rng(12345);
  int interrupted_saves = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE("kill " + std::to_string(kill));
    const pid_t pid = start_saver(dir.path().string());
    ASSERT_GT(pid, 0);
    if (kill % 2 == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 60000));
    } else {
      // Half the kills aim at a save in progress, however fast or slow the build: once its
      // temporary file shows up, a random moment later.
      wait_for_temporary_file(dir.path().string(), std::chrono::seconds(5));
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "save_forever ended by itself (status " << status << ")";

    const std::optional<std::string> latest = train::latest_checkpoint(dir.path().string());
    ASSERT_TRUE(latest.has_value()) << "no latest checkpoint";
    const train::CheckpointReader reader(*latest);  // throws on any torn or partial file
    const float step = reader.tensor("counter").item<float>();
    ASSERT_GE(step, 1.f);
    ASSERT_EQ(fs::path(*latest).stem().string(), "model-" + std::to_string(static_cast<int>(step)))
        << *latest << " holds step " << step;
    saver.restore(sess, *latest);
    const Tensor restored = sess.variable_value(big);
    const float* p = restored.data<float>();
    for (std::int64_t i = 0; i < restored.num_elements(); i += 4099) ASSERT_EQ(p[i], step) << "element " << i;
    ASSERT_EQ(p[restored.num_elements() - 1], step);
    ASSERT_EQ(sess.variable_value(counter).item<float>(), step);
    interrupted_saves += count_temporary_files(dir.path().string());
  }
  // Without kills that landed inside a save the test would prove nothing.
  EXPECT_GE(interrupted_saves, 10) << "too few kills landed during a save";
  std::printf("%d of %d kills landed during a save\n", interrupted_saves, kKills);
}

}  // namespace
}  // namespace varscope
