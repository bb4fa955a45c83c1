// MNN's KL-divergence threshold search over a 2048-bin |x| histogram (C.3 of
// mnn-quantizer-facts.md; TensorStatistic::_computeThreshold in MNN), reproduced operation by
// operation in fp32 so that the chosen bin matches MNN's for the same histogram.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace mnnq {
namespace methods {

constexpr int kKlBins = 2048;
constexpr int kKlTargetBins = 128;

// MNN accumulates each bin as a float that starts at 1e-7 and gets += 1.0f per element. The
// result depends only on the number of increments n: 1e-7 for n = 0, then the residue of the
// seed vanishes after two steps, the value is exactly n up to 2^24, where float increments stop
// (2^24 + 1 rounds back to 2^24). Computing it from an exact integer count keeps mnnq's
// histogram deterministic (integer merges) while giving MNN's float values.
inline float mnnBinValue(uint64_t n) {
  float v = 1.0e-07f;
  uint64_t i = 0;
  for (; i < n && v != std::floor(v); ++i) v += 1.0f;  // while the 1e-7 seed still shows
  if (i == n) return v;
  const uint64_t saturation = uint64_t(1) << 24;
  return float(n < saturation ? n : saturation);
}

// Scratch buffers for one search, so the 1920 candidate thresholds allocate nothing.
template <class Real>
struct KlWorkspaceT {
  // Zero padding after bin 2047 (the merge loops run a fixed length per candidate and may read
  // or add zeros up to one target bin width past the end).
  static constexpr int kPad = 64;
  std::vector<Real> hist;       // the histogram, padded
  std::vector<Real> nonzero;    // 1 where hist is non-zero, padded
  std::vector<Real> last;       // P's last value per candidate (tail folded in)
  std::vector<Real> quantized;  // 128 merged bins
  std::vector<Real> expanded;   // candidate length + 1 (MNN may write one past the end), padded
};
using KlWorkspace = KlWorkspaceT<float>;

// hist: 2048 values already normalised to sum 1 (MNN: float sum, then each value /= sum).
// Returns the chosen threshold bin t in 128..2047 (MNN's THRESHOLD_KL). Real = float is MNN's
// arithmetic and what the plugin uses; Real = double exists so tests can check the operations
// against an independent double-precision reading of the formulas, free of fp32 drift.
template <class Real>
int klThresholdBinT(const Real* hist, KlWorkspaceT<Real>& ws);

inline int klThresholdBin(const float* hist, KlWorkspace& ws) { return klThresholdBinT(hist, ws); }

}  // namespace methods
}  // namespace mnnq
