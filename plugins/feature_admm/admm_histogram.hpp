// Streaming form of MNN's ADMM feature scale (C.4 of mnn-quantizer-facts.md).
//
// MNN keeps every sample of a tensor in memory and runs 300 iterations of
//   q_i = clamp(round(x_i / alpha), -Cf, Cf),   alpha = sum(q_i x_i) / sum(q_i^2)
// over the raw values. Both sums only need, for each integer level k, how many |x| fall into
// [(k-0.5) alpha, (k+0.5) alpha) and their sum; so a fine histogram of |x| with a count and a
// sum per bin replaces the data. Bins are uniform in sqrt(|x|/M) (M = max|x|): the small values,
// where most activations are and where the first rounding boundaries lie, get bins 2*sqrt(u)
// times narrower than a uniform grid. Only the bin holding a boundary is split, with a linear
// density fitted to its count and mean. One iteration step then matches the exact one to about
// 1e-5, and the final alpha the exact iteration's to about 1e-5 on 10^6 values (tests/methods).
// On small samples (10^5 values) of slowly converging heavy-tailed data, the exact iteration
// can stop early by chance: q repeats when no single value happens to cross a rounding
// boundary between two steps; the binned iteration, like the exact one on more data, goes on
// to the fixed point (seen: up to 0.8 % apart).
//
// Determinism: counts and sums are exact integers (sums in fixed point, 2^-32 M units), so
// adding sample contributions in any order gives identical bits.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace mnnq {
namespace methods {

class AdmmHistogram {
 public:
  static constexpr int kDefaultBins = 16384;

  // abs_max: M, the largest |x| of the tensor (> 0). bins: resolution (a single sample's
  // histogram needs fewer than a whole data set's).
  explicit AdmmHistogram(float abs_max, int bins = kDefaultBins);

  // Adds |x| of every element (zeros and non-finite values contribute nothing to ADMM's sums
  // and are skipped). Thread-safe.
  void add(const float* data, uint64_t count);

  // Runs MNN's 300 iterations on the histogram and returns alpha (the feature scale).
  // start > 0 replaces MNN's initial alpha = M / (2.5 Cf) (tests step from given points).
  // The iteration stops at a fixed point, or (tolerance > 0) once a step changes alpha by at
  // most tolerance * alpha.
  float solve(int clamp, int iterations = 300, float start = 0.0f, double tolerance = 0.0) const;

  uint64_t elements() const;

 private:
  // Calls with fewer elements add directly under the lock.
  static constexpr uint64_t kDirectLimit = 65536;
  // Adds a private histogram into the shared one and clears it.
  void merge(std::vector<uint32_t>& counts, std::vector<uint64_t>& sums);

  int bins_;
  float abs_max_;
  float inv_abs_max_;
  std::mutex mutex_;
  std::vector<uint64_t> counts_;
  __extension__ std::vector<unsigned __int128> sums_;  // fixed point, 2^32 = M
};

}  // namespace methods
}  // namespace mnnq
