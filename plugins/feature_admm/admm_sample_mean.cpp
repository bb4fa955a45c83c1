#include "admm_sample_mean.hpp"

#include "admm_exact.hpp"
#include "admm_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

namespace {
// Up to this many values a sample is iterated on exactly; above it the histogram's binning
// error (about 1e-5 per step) is far below the spread of alphas between samples.
constexpr uint64_t kExactSampleValues = 4096;
// One sample's histogram: 4096 bins keep a step within about 1e-4 of the exact one, and the
// iteration stops once alpha moves by less than 1e-6 of itself; both far below the spread of
// alphas between samples, and 4-5x cheaper than the data-set histogram's settings.
constexpr int kSampleBins = 4096;
constexpr double kSampleTolerance = 1e-6;
}  // namespace

float solveAdmmSample(const float* data, uint64_t count, int clamp) {
  if (count <= kExactSampleValues) {
    AdmmExact exact;
    exact.add(0, data, count);
    return exact.elements() > 0 ? exact.solve(clamp) : 0.0f;
  }
  float abs_max = 0.0f;
  for (uint64_t i = 0; i < count; ++i) {
    const float a = std::fabs(data[i]);
    if (std::isfinite(a)) abs_max = std::max(abs_max, a);
  }
  if (!(abs_max > 0.0f)) return 0.0f;
  AdmmHistogram histogram(abs_max, kSampleBins);
  histogram.add(data, count);
  return histogram.elements() > 0 ? histogram.solve(clamp, 300, 0.0f, kSampleTolerance) : 0.0f;
}

void AdmmSampleMean::add(uint64_t sample, const float* data, uint64_t count, int clamp) {
  const float alpha = solveAdmmSample(data, count, clamp);
  std::lock_guard<std::mutex> lock(mutex_);
  alphas_[sample] = alpha;
}

float AdmmSampleMean::mean() const {
  std::lock_guard<std::mutex> lock(mutex_);
  double sum = 0.0;
  uint64_t n = 0;
  for (const auto& kv : alphas_)
    if (kv.second > 0.0f && std::isfinite(kv.second)) {
      sum += kv.second;
      ++n;
    }
  return n > 0 ? float(sum / double(n)) : 0.0f;
}

}  // namespace methods
}  // namespace mnnq
