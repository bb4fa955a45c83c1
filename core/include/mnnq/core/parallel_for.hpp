// The one parallel loop of mnnq: the pipeline's sample loops and every plugin (through
// mnnq_host::parallel_for) spread work with it, so a thread budget means the same everywhere.
//
//   parallelFor(threads, count, [&](uint64_t index, unsigned worker) { ... });
//
// Indexes are handed out one at a time in increasing order (items may differ in cost) to at most
// min(threads, count) workers: the calling thread is worker 0, the others are started for the
// call and joined before it returns, so `threads` 1 runs everything on the calling thread and
// starts none. Calls with the same worker never overlap (per-worker scratch needs no lock).
// The first exception stops the hand-out (indexes not started are skipped) and is rethrown after
// every worker has finished. Results that must not depend on the thread count belong in
// per-index slots the caller merges in index order.
#pragma once

#include <cstdint>
#include <functional>

namespace mnnq {

void parallelFor(unsigned threads, uint64_t count,
                 const std::function<void(uint64_t index, unsigned worker)>& body);

}  // namespace mnnq
