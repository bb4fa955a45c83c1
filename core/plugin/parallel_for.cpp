#include "mnnq/core/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mnnq {

void parallelFor(unsigned threads, uint64_t count,
                 const std::function<void(uint64_t index, unsigned worker)>& body) {
  if (count == 0) return;
  const unsigned workers =
      static_cast<unsigned>(std::min<uint64_t>(std::max(1u, threads), count));
  if (workers == 1) {
    for (uint64_t i = 0; i < count; ++i) body(i, 0);
    return;
  }
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](unsigned worker) {
    try {
      for (uint64_t i = next++; i < count && !failed.load(std::memory_order_relaxed); i = next++)
        body(i, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  try {
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work, w);
  } catch (...) {
    // Could not start a thread: the ones that started and this one still do all the work.
  }
  work(0);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace mnnq
