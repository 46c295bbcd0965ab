// A process killed (SIGKILL) in the middle of Saver::save must leave the previous checkpoint whole.
// A child program (tests/programs/save_forever) saves a 32 MiB checkpoint over and over; we kill it
// at random moments and check that the file is always one complete checkpoint, every element
// equal to the counter saved with it. A temporary file left behind shows the kill landed mid-save.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "scratch_dir.h"
#include "varscope/checkpoint_reader.h"

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

TEST(SaveKillTest, KillingTheProcessDuringSaveNeverDamagesTheCheckpoint) {
  testing::ScratchDir dir;
  const std::string path = dir / "model.safetensors";
  std::mt19937 rng(12345);
  int interrupted_saves = 0;
  int attempts = 0;
  for (; attempts < 30 && interrupted_saves < 3; ++attempts) {
    const pid_t pid = start_saver(dir.path().string());
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "save_forever ended by itself (status " << status << ")";

    SCOPED_TRACE("attempt " + std::to_string(attempts));
    const train::CheckpointReader reader(path);  // throws on any torn or partial file
    const float counter = reader.tensor("counter").item<float>();
    ASSERT_GE(counter, 1.f);
    const Tensor big = reader.tensor("big");
    const float* p = big.data<float>();
    for (std::int64_t i = 0; i < big.num_elements(); i += 4099)
      ASSERT_EQ(p[i], counter) << "element " << i;
    ASSERT_EQ(p[big.num_elements() - 1], counter);
    interrupted_saves += count_temporary_files(dir.path().string());
  }
  // Without a kill that landed inside a save the test would prove nothing.
  EXPECT_GE(interrupted_saves, 1) << "no kill landed during a save in " << attempts << " attempts";
  std::printf("%d of %d kills landed during a save\n", interrupted_saves, attempts);
}

}  // namespace
}  // namespace varscope
