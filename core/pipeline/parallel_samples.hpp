// Runs a body once per calibration sample with the one parallel loop (parallel_for.hpp):
// samples are handed out one at a time (they differ in cost), the first exception is rethrown
// after all workers finished, and the phase's progress line advances per sample and is
// finished at the end. Each worker owns a State (e.g. its input tensors, reused from sample to
// sample). Results that must not depend on the thread count belong in per-sample slots the
// caller merges in sample order.
#pragma once

#include "progress.hpp"

#include "mnnq/core/parallel_for.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mnnq {

template <class State, class Body>
void forEachSampleInParallel(std::size_t count, unsigned threads, Progress& progress, Body body) {
  const std::size_t workers = std::max<std::size_t>(
      1, std::min<std::size_t>(std::max(1u, threads), count));
  std::vector<State> states(workers);
  try {
    parallelFor(static_cast<unsigned>(workers), count, [&](uint64_t k, unsigned worker) {
      body(static_cast<std::size_t>(k), states[worker]);
      progress.advance();
    });
  } catch (...) {
    progress.finish();
    throw;
  }
  progress.finish();
}

}  // namespace mnnq
