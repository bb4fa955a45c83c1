#include "admm_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

namespace {
constexpr double kFixedOne = 4294967296.0;  // 2^32: fixed-point unit of the per-bin sums
}

AdmmHistogram::AdmmHistogram(float abs_max, int bins)
    : bins_(bins),
      abs_max_(abs_max),
      inv_abs_max_(1.0f / abs_max),
      counts_(bins, 0),
      sums_(bins, 0) {}

void AdmmHistogram::add(const float* data, uint64_t count) {
  const float inv = inv_abs_max_;
  const int kBins = bins_;
  auto binOf = [inv, kBins](float a, uint64_t& fixed) {
    const float u = std::min(a * inv, 1.0f);
    fixed = static_cast<uint64_t>(double(u) * kFixedOne);
    return std::min(static_cast<int>(std::sqrt(u) * float(kBins)), kBins - 1);
  };
  // Small tensors: add straight into the shared histogram under the lock; clearing and
  // merging a private 16384-bin copy would cost more than the elements.
  if (count < kDirectLimit) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (uint64_t i = 0; i < count; ++i) {
      const float a = std::fabs(data[i]);
      if (!(a > 0.0f) || !std::isfinite(a)) continue;
      uint64_t fixed;
      const int bin = binOf(a, fixed);
      ++counts_[bin];
      sums_[bin] += fixed;
    }
    return;
  }
  // Large ones: a per-thread private histogram, then one locked merge per chunk. Chunks keep
  // the private uint32 counts and uint64 sums (each term <= 2^32) from overflowing.
  thread_local std::vector<uint32_t> local_counts;
  thread_local std::vector<uint64_t> local_sums;
  local_counts.resize(kBins, 0);  // kept all-zero between calls by merge()
  local_sums.resize(kBins, 0);
  uint64_t done = 0;
  while (done < count) {
    const uint64_t chunk = std::min<uint64_t>(count - done, uint64_t(1) << 30);
    for (uint64_t i = done; i < done + chunk; ++i) {
      const float a = std::fabs(data[i]);
      if (!(a > 0.0f) || !std::isfinite(a)) continue;
      uint64_t fixed;
      const int bin = binOf(a, fixed);
      ++local_counts[bin];
      local_sums[bin] += fixed;
    }
    merge(local_counts, local_sums);
    done += chunk;
  }
}

void AdmmHistogram::merge(std::vector<uint32_t>& counts, std::vector<uint64_t>& sums) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int b = 0; b < bins_; ++b) {
    counts_[b] += counts[b];
    sums_[b] += sums[b];
    counts[b] = 0;
    sums[b] = 0;
  }
}

uint64_t AdmmHistogram::elements() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

float AdmmHistogram::solve(int clamp, int iterations, float start, double tolerance) const {
  const double m = abs_max_;
  const int kBins = bins_;
  // Prefix sums: count and sum of |x| (in x units) of bins 0..b-1.
  std::vector<double> prefix_count(kBins + 1, 0.0), prefix_sum(kBins + 1, 0.0);
  std::vector<double> bin_sum(kBins);
  for (int b = 0; b < kBins; ++b) {
    bin_sum[b] = double(sums_[b]) / kFixedOne * m;
    prefix_count[b + 1] = prefix_count[b] + double(counts_[b]);
    prefix_sum[b + 1] = prefix_sum[b] + bin_sum[b];
  }
  const double total_count = prefix_count[kBins];
  const double total_sum = prefix_sum[kBins];

  // Count and sum of the elements with |x| < x. The bin holding x is split with a linear
  // density fitted to its count and mean (the per-bin sum gives the slope), clipped to stay
  // non-negative; the split sum is rescaled so the two parts always add up to the bin's sum.
  auto below = [&](double x, double& count, double& sum) {
    if (x <= 0.0) {
      count = sum = 0.0;
      return;
    }
    const double u = x / m;
    if (u >= 1.0) {
      count = total_count;
      sum = total_sum;
      return;
    }
    int b = static_cast<int>(std::sqrt(u) * kBins);
    b = std::max(0, std::min(b, kBins - 1));
    const double lo = m * (double(b) / kBins) * (double(b) / kBins);
    const double hi = m * (double(b + 1) / kBins) * (double(b + 1) / kBins);
    const double c = double(counts_[b]);
    count = prefix_count[b];
    sum = prefix_sum[b];
    if (c == 0.0) return;
    const double w = hi - lo;
    const double t = std::max(0.0, std::min(w, x - lo));  // x in bin coordinates
    // Density c/w + slope (s - w/2) on s in [0, w]; its mean offset is slope w^3 / (12 c).
    const double mean_offset = bin_sum[b] / c - lo - w / 2;
    double slope = 12.0 * c * mean_offset / (w * w * w);
    const double max_slope = 2.0 * c / (w * w);
    slope = std::max(-max_slope, std::min(max_slope, slope));
    const double part_count = c / w * t + slope / 2 * (t * t - w * t);
    // First moment of the density over [0, v] (bin coordinates).
    auto moment = [&](double v) {
      return c / w * v * v / 2 + slope * (v * v * v / 3 - w * v * v / 4);
    };
    const double model_sum_part = lo * part_count + moment(t);
    const double model_sum_full = lo * c + moment(w);
    count += part_count;
    sum += model_sum_full > 0.0 ? bin_sum[b] * (model_sum_part / model_sum_full) : 0.0;
  };

  // MNN: alpha = max / (bound * 2.5), evaluated in double, stored as float.
  float alpha = start > 0.0f ? start : float(double(abs_max_) / (double(clamp) * 2.5));
  for (int it = 0; it < iterations; ++it) {
    // MNN multiplies by the float reciprocal; q = k for x * inv in [k - 0.5, k + 0.5).
    const float inv = 1.0f / alpha;
    double sum_qx = 0.0, sum_qq = 0.0;
    double prev_count, prev_sum;
    below(0.5 / double(inv), prev_count, prev_sum);
    for (int k = 1; k <= clamp; ++k) {
      double count, sum;
      if (k == clamp) {
        count = total_count;  // everything at or above the last boundary clamps to Cf
        sum = total_sum;
      } else {
        below((double(k) + 0.5) / double(inv), count, sum);
      }
      sum_qx += double(k) * (sum - prev_sum);
      sum_qq += double(k) * double(k) * (count - prev_count);
      prev_count = count;
      prev_sum = sum;
    }
    if (!(sum_qq > 0.0)) break;
    const float next = float(sum_qx / sum_qq);
    if (next == alpha) break;  // fixed point: later iterations change nothing
    const bool converged = std::fabs(double(next) - double(alpha)) <= tolerance * double(alpha);
    alpha = next;
    if (converged) break;
  }
  return alpha;
}

}  // namespace methods
}  // namespace mnnq
