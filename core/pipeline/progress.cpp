#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace mnnq {

Progress::Progress(std::string phase, uint64_t total, bool quiet, ProgressCallback callback)
    : callback_(std::move(callback)),
      phase_(std::move(phase)),
      total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (callback_) {
    std::lock_guard<std::mutex> lock(mutex_);
    report();
  }
}

void Progress::report() {
  const uint64_t done = done_.load();
  if (reported_any_ && done <= reported_) return;
  reported_any_ = true;
  reported_ = done;
  callback_(phase_, done, total_);
}

Progress::~Progress() {
  if (!finished_) finish();
}

double Progress::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(uint64_t n) {
  uint64_t done = done_.fetch_add(n) + n;
  if (callback_) {
    std::lock_guard<std::mutex> lock(mutex_);
    report();
  }
  if (quiet_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    // Redraw at most 10 times a second.
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    draw(false);
  } else {
    int decile = total_ ? static_cast<int>(done * 10 / total_) : 10;
    if (decile == last_decile_ || decile >= 10) return;
    last_decile_ = decile;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (callback_) report();
  if (quiet_) return;
  draw(true);
}

void Progress::draw(bool final_line) {
  const uint64_t done = done_.load();
  const double elapsed = elapsedSeconds();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  char line[256];
  if (final_line) {
    std::snprintf(line, sizeof line, "%-28s %llu/%llu done in %.2f s (%.1f samples/s)", phase_.c_str(),
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                  elapsed, rate);
  } else {
    const double pct = total_ ? 100.0 * done / total_ : 100.0;
    const double eta = rate > 0 && total_ > done ? (total_ - done) / rate : 0.0;
    std::snprintf(line, sizeof line, "%-28s %llu/%llu %5.1f%% %8.1f samples/s  ETA %.0f s", phase_.c_str(),
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                  pct, rate, eta);
  }
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line, final_line ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line);
  std::fflush(stderr);
}

}  // namespace mnnq
