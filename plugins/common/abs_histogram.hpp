// Shared machinery of the histogram-threshold calibrators (PERCENTILE, MSE): per tensor a
// symmetric scale T / Cf from a threshold T chosen on the histogram of |x|.
//
// Passes (the host runs one forward over all samples per pass):
//   0: min/max of every tensor per shard (ShardedRange), merged in endPass: M = max(|min|, |max|);
//   1: histogram of |x| over [0, M] with `bins` equal bins, bin = min(floor(|x| * bins / M),
//      bins - 1) computed in double, non-finite values skipped; one integer histogram per
//      (shard, tensor), added in shard order in endPass. Integer sums do not depend on how the
//      samples were spread over threads, so the result is the same for any thread count.
// Tensors never observed, or with M <= 1e-5, get valid = 0 (they stay float), as with KL.
#pragma once

#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {

// Smallest range a tensor needs to get int8 parameters (KL's rule).
constexpr float kTinyAbsRange = 0.00001f;

// Threshold of PERCENTILE: the upper edge (in bins) of the first bin where the cumulative count
// reaches ceil(total * p / 100); p = 100 gives all bins (T = M). Returns a value in 1..bins.
inline uint32_t percentileThresholdBins(const std::vector<uint64_t>& counts, double percent) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  uint64_t target = static_cast<uint64_t>(std::ceil(double(total) * percent / 100.0 - 1e-9));
  target = std::max<uint64_t>(1, std::min(target, total));
  uint64_t cumulative = 0;
  for (uint32_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    if (cumulative >= target) return b + 1;
  }
  return uint32_t(counts.size());
}

// Integral over [0, x] (x >= 0) of the squared rounding error (t - s * round(t / s))^2, in
// units of s^3: with u = x / s, k = floor(u + 1/2), v = u - k in [-1/2, 1/2): k / 12 + v^3 / 3
// (each whole step contributes s^3 / 12; the partial step from -s/2 to v s adds (v^3 + 1/8) / 3,
// less the s^3 / 24 of [-s/2, 0]).
inline double roundingErrorIntegral(double x, double s) {
  const double u = x / s;
  const double k = std::floor(u + 0.5);
  const double v = u - k;
  return k / 12.0 + v * v * v / 3.0;
}

// Expected squared quantisation error of the histogram (values uniform within each bin of width
// w = 1 in bin units) for threshold T (in bin units) and integer limit `clamp`: values up to T
// are rounded to the grid s = T / clamp, values above T are clipped to T (error (x - T)^2).
// Returns the sum over bins of count * mean error (bin units squared).
inline double expectedSquaredError(const std::vector<uint64_t>& counts, double threshold,
                                   int clamp) {
  const double s = threshold / clamp;
  double total = 0.0;
  for (std::size_t b = 0; b < counts.size(); ++b) {
    if (!counts[b]) continue;
    const double lo = double(b), hi = double(b + 1);
    double sum = 0.0;  // integral of the error over the bin
    const double split = std::min(hi, std::max(lo, threshold));
    if (split > lo)  // rounded part [lo, split]
      sum += (roundingErrorIntegral(split, s) - roundingErrorIntegral(lo, s)) * s * s * s;
    if (hi > split) {  // clipped part [split, hi]
      const double a = split - threshold, c = hi - threshold;
      sum += (c * c * c - a * a * a) / 3.0;
    }
    total += double(counts[b]) * sum;
  }
  return total;
}

// Threshold of MSE: the bin edge T in 1..bins (bin units) minimising expectedSquaredError; the
// smallest such T on ties (a relative margin of 1e-12 absorbs summation noise). The clipped part
// is updated from suffix moments, the rounded part summed over the bins below T.
inline uint32_t mseThresholdBins(const std::vector<uint64_t>& counts, int clamp) {
  const std::size_t n = counts.size();
  // Suffix sums over bins >= k of count, count * centre, count * centre^2.
  std::vector<double> s0(n + 1, 0.0), s1(n + 1, 0.0), s2(n + 1, 0.0);
  for (std::size_t b = n; b-- > 0;) {
    const double c = double(counts[b]), m = double(b) + 0.5;
    s0[b] = s0[b + 1] + c;
    s1[b] = s1[b + 1] + c * m;
    s2[b] = s2[b + 1] + c * m * m;
  }
  std::vector<std::size_t> used;  // non-empty bins, ascending
  for (std::size_t b = 0; b < n; ++b)
    if (counts[b]) used.push_back(b);
  double best = 0.0;
  uint32_t best_k = uint32_t(n);
  for (std::size_t k = 1; k <= n; ++k) {
    const double t = double(k);
    const double s = t / clamp;
    // Bins >= k are clipped: mean (x - T)^2 over a unit bin = (centre - T)^2 + 1/12.
    double e = s2[k] - 2.0 * t * s1[k] + t * t * s0[k] + s0[k] / 12.0;
    for (std::size_t b : used) {
      if (b >= k) break;
      e += double(counts[b]) * (roundingErrorIntegral(double(b + 1), s) -
                                roundingErrorIntegral(double(b), s)) * s * s * s;
    }
    if (k == 1 || e < best * (1.0 - 1e-12)) {
      best = e;
      best_k = uint32_t(k);
    }
  }
  return best_k;
}

// Two-pass |x| histogram calibrator; subclasses choose the threshold (in bins, 1..bins).
class AbsHistogramCalibrator : public sdk::FeatureCalibrator {
 public:
  AbsHistogramCalibrator(int clamp, uint32_t bins) : clamp_(clamp), bins_(bins) {
    if (bins_ < 2) throw sdk::Error("histogram needs at least 2 bins");
  }

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t shards) override {
    tensors_ = tensors.size();
    shards_ = shards;
    ranges_.reset(tensors_, shards_);
    range_.clear();
    partial_.assign(std::size_t(shards_) * tensors_, {});
    merged_.clear();
    return 2;
  }

  // The host calls in order (abi.h): pass 1 comes after endPass(0), shard and tensor in range.
  void observe(const sdk::TensorBatch& b) override {
    const uint32_t shard = b.shard, tensor = b.tensor;
    const float* data = b.data;
    const uint64_t count = b.count;
    if (b.pass == 0) {
      ranges_.update(shard, tensor, data, count);
      return;
    }
    const double m = range_[tensor];
    if (m <= 0.0) return;
    std::vector<uint64_t>& h = partial_[std::size_t(shard) * tensors_ + tensor];
    if (h.empty()) h.assign(bins_, 0);  // one shard is used by one thread at a time
    const double per_unit = double(bins_) / m;
    for (uint64_t i = 0; i < count; ++i) {
      const float x = data[i];
      if (!std::isfinite(x)) continue;
      const double position = double(std::fabs(x)) * per_unit;
      ++h[position >= double(bins_) ? bins_ - 1 : std::size_t(position)];
    }
  }

  void endPass(uint32_t pass) override {
    if (pass == 0) {
      const auto merged = ranges_.merge();
      range_.assign(tensors_, 0.0);
      for (std::size_t t = 0; t < tensors_; ++t) {
        const float m = std::max(std::fabs(merged[t].min), std::fabs(merged[t].max));
        if (merged[t].seen && m > kTinyAbsRange) range_[t] = m;
      }
      return;
    }
    merged_.assign(tensors_, {});
    for (uint32_t s = 0; s < shards_; ++s)
      for (std::size_t t = 0; t < tensors_; ++t) {
        std::vector<uint64_t>& part = partial_[std::size_t(s) * tensors_ + t];
        if (part.empty()) continue;
        if (merged_[t].empty()) merged_[t].assign(bins_, 0);
        for (uint32_t b = 0; b < bins_; ++b) merged_[t][b] += part[b];
        std::vector<uint64_t>().swap(part);
      }
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    thresholds_.assign(tensors_, 0);
    for (std::size_t t = 0; t < tensors_; ++t) {
      out[t] = sdk::FeatureParams{};
      if (merged_[t].empty() || range_[t] <= 0.0) continue;
      // Identical histograms (data-movement ops) give identical thresholds: search once.
      uint32_t k = 0;
      for (std::size_t u = 0; u < t && !k; ++u)
        if (range_[u] == range_[t] && merged_[u] == merged_[t]) k = thresholds_[u];
      if (!k) k = thresholdBins(merged_[t]);
      thresholds_[t] = k;
      const double threshold = double(k) * range_[t] / double(bins_);
      out[t].valid = 1;
      out[t].scale = float(threshold / clamp_);
      out[t].zero = 0.0f;
      out[t].min = -float(clamp_);
      out[t].max = float(clamp_);
    }
  }

 protected:
  // Threshold in bins (1..bins) for a tensor's merged histogram.
  virtual uint32_t thresholdBins(const std::vector<uint64_t>& counts) const = 0;

  int clamp_;
  uint32_t bins_;

 private:
  std::size_t tensors_ = 0;
  uint32_t shards_ = 1;
  ShardedRange ranges_;
  std::vector<double> range_;                      // [tensor] M after pass 0 (0: stays float)
  std::vector<std::vector<uint64_t>> partial_;     // [shard][tensor], pass 1
  std::vector<std::vector<uint64_t>> merged_;      // [tensor]
  std::vector<uint32_t> thresholds_;               // [tensor], compute()
};

}  // namespace methods
}  // namespace mnnq
