// Progress of long phases on stderr: "calibrate pass 1/2  120/251  47.8%  93.1 samples/s  ETA 1s".
// Redrawn in place on a terminal, one line per 10% otherwise (logs stay readable); silent when
// quiet. Thread-safe: workers call advance() concurrently.
// An embedding caller (the Python module) may also pass a callback: it receives
// (phase, done, total) at the start, on every advance and at the end, one call at a time, with
// `done` strictly increasing after the first call, whether or not the line is drawn.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace mnnq {

using ProgressCallback =
    std::function<void(const std::string& phase, uint64_t done, uint64_t total)>;

class Progress {
 public:
  Progress(std::string phase, uint64_t total, bool quiet, ProgressCallback callback = {});
  ~Progress();  // finishes the line if finish() was not called

  void advance(uint64_t n = 1);
  // Prints the final line with the total count, elapsed time and rate.
  void finish();
  double elapsedSeconds() const;
  uint64_t done() const { return done_.load(); }

 private:
  void draw(bool final_line);
  void report();  // calls callback_ if done_ grew since the last call; mutex_ held

  ProgressCallback callback_;
  uint64_t reported_ = 0;
  bool reported_any_ = false;

  std::string phase_;
  uint64_t total_;
  bool quiet_;
  bool tty_;
  bool finished_ = false;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  int last_decile_ = -1;
  std::mutex mutex_;
};

}  // namespace mnnq
