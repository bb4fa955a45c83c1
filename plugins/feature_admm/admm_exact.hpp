// MNN's ADMM feature iteration on raw values (C.4 of mnn-quantizer-facts.md), used for
// tensors small enough to keep: there every single value can decide where the iteration stops
// (it stops as soon as no value changes its rounding level), which a histogram cannot see.
// Sums are in double (MNN's fp32 sums drift by percents on large tensors; see feature_admm.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace mnnq {
namespace methods {

class AdmmExact {
 public:
  // Keeps a copy of one observe() call's values, keyed by its first sample so the iteration
  // visits them in sample order whatever thread delivered them. Thread-safe.
  void add(uint64_t first_sample, const float* data, uint64_t count);

  // MNN's iteration from alpha0 = M / (2.5 Cf) (M = max|x| of the kept values); returns alpha,
  // or 0 when every value is 0.
  float solve(int clamp, int iterations = 300) const;

  uint64_t elements() const;

 private:
  mutable std::mutex mutex_;
  std::map<uint64_t, std::vector<float>> chunks_;
};

}  // namespace methods
}  // namespace mnnq
