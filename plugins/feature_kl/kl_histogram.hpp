// Counting |x| into KL's 2048 histogram bins (pass 1 of the KL calibrator, its hottest loop).
//
// Definition (C.3, MNN's TensorStatistic): an element x counts when |x| > 1e-6 (compared in
// double, as MNN does) and is finite; its bin is min(int(|x| * interval), 2047), the product in
// float. Counts are exact integers, so the order elements are counted in does not matter.
#pragma once

#include "kl_threshold.hpp"  // kKlBins

#include <cstdint>
#include <vector>

namespace mnnq {
namespace methods {

// The smallest float f with double(f) > 1e-6: for float a, `a >= kKlSkipBound` is exactly MNN's
// `double(a) > 1e-6`, and can be evaluated in float vectors.
float klSkipBound();

// Counts one tensor's values into scratch counters, then adds them to a histogram. Reusable
// across calls (add, then flushInto, repeatedly). Not thread-safe; one per thread.
class KlBinCounter {
 public:
  KlBinCounter();
  // Counts data[0..count) with the given interval (2048 / M). The 32-bit counters hold up to
  // kMaxPending elements between flushes; more throws (callers split longer arrays).
  void add(const float* data, uint64_t count, float interval);
  // Adds the pending counts to `counts` (kKlBins values) and clears them.
  void flushInto(uint64_t* counts);
  static constexpr uint64_t kMaxPending = uint64_t(1) << 31;
  bool empty() const { return pending_ == 0; }

  // Interleaved sub-histograms: consecutive elements go to different copies, so a run of equal
  // bins (common: many small values) does not make every increment wait for the previous
  // one's store. Measured on rfb320's tensors: 2 copies beat 1, 4 and 8.
  static constexpr int kWays = 2;
  // Bins kKlBins .. kKlBins + 7 of each copy collect the skipped elements (branch-free
  // counting); the copies are padded apart so they do not map to the same cache sets.
  static constexpr int kStride = kKlBins + 16;

 private:
  std::vector<uint32_t> sub_;  // kWays * kStride
  uint64_t pending_ = 0;       // elements counted since the last flush
};

}  // namespace methods
}  // namespace mnnq
