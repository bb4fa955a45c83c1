// Runs a body once per calibration sample on a pool of threads: samples are handed out one at a
// time (they differ in cost), the first exception of any worker is rethrown after all joined,
// and the phase's progress line advances per sample and is finished at the end. Each worker
// owns a State (e.g. its input tensors, reused from sample to sample). Results that must not
// depend on the thread count belong in per-sample slots the caller merges in sample order.
#pragma once

#include "progress.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mnnq {

template <class State, class Body>
void forEachSampleInParallel(std::size_t count, unsigned threads, Progress& progress, Body body) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      State state{};
      for (std::size_t k = next++; k < count; k = next++) {
        body(k, state);
        progress.advance();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.finish();
  if (error) std::rethrow_exception(error);
}

}  // namespace mnnq
