// A one-line progress bar for training loops: step, loss and images/s, redrawn in place on a
// terminal; on a pipe or file a plain line every tenth of the epoch (logs stay readable).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace varscope::examples {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total_steps, std::int64_t images_per_step)
      : label_(std::move(label)), total_(total_steps), images_per_step_(images_per_step),
        tty_(::isatty(::fileno(stderr)) != 0), start_(Clock::now()) {}

  void update(std::int64_t step, double loss) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(step * images_per_step_) / seconds : 0.0;
    if (tty_) {
      const int width = 30;
      const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
      std::string bar(static_cast<std::size_t>(filled), '=');
      if (filled < width) bar += '>' + std::string(static_cast<std::size_t>(width - filled - 1), ' ');
      fmt::print(stderr, "\r{} [{}] {}/{} loss {:.4f} {:.0f} img/s", label_, bar, step, total_, loss, rate);
      if (step == total_) fmt::print(stderr, "\n");
      std::fflush(stderr);
    } else if (step == total_ || (total_ >= 10 && step % (total_ / 10) == 0)) {
      fmt::print(stderr, "{} {}/{} loss {:.4f} {:.0f} img/s\n", label_, step, total_, loss, rate);
    }
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  std::int64_t total_;
  std::int64_t images_per_step_;
  bool tty_;
  Clock::time_point start_;
};

}  // namespace varscope::examples
