#include "kl_threshold.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

template <class Real>
int klThresholdBinT(const Real* hist, KlWorkspaceT<Real>& ws) {
  const int target = kKlTargetBins;
  int threshold = target;
  Real min_divergence = Real(10000);

  // Mass beyond the candidate threshold, updated in MNN's order (one subtraction per
  // candidate), so rounding matches. Where the true tail is only the 1e-7 seeds, the running
  // difference can drift below zero; the folded last bin is then negative, its log NaN, the
  // divergence NaN, and `NaN < best` false: MNN skips those candidates, and so does this code.
  Real after_threshold = Real(0);
  for (int k = target; k < kKlBins; ++k) after_threshold += hist[k];

  ws.quantized.assign(target, Real(0));
  ws.expanded.assign(kKlBins + 1, Real(0));
  Real* quantized = ws.quantized.data();
  Real* expanded = ws.expanded.data();

  for (int i = target; i < kKlBins; ++i) {
    // The candidate distribution P is hist[0..i) with the tail folded into its last bin; only
    // that last value differs from hist, so it is kept aside instead of copying i values.
    const Real last_candidate = hist[i - 1] + after_threshold;
    after_threshold -= hist[i];

    const Real bin_interval = Real(i) / Real(target);

    // Merge hist[0..i) into 128 bins (fractional bins at both ends of each target bin).
    for (int j = 0; j < target; ++j) {
      const Real start = Real(j) * bin_interval;
      const Real end = start + bin_interval;
      Real q = Real(0);
      const int left_upper = static_cast<int>(std::ceil(start));
      if (Real(left_upper) > start) q += (Real(left_upper) - start) * hist[left_upper - 1];
      const int right_lower = static_cast<int>(std::floor(end));
      if (Real(right_lower) < end) q += (end - Real(right_lower)) * hist[right_lower];
      for (int k = left_upper; k < right_lower; ++k) q += hist[k];
      quantized[j] = q;
    }

    // Expand the 128 bins back over the non-empty source bins.
    std::fill(expanded, expanded + i + 1, Real(0));
    for (int j = 0; j < target; ++j) {
      const Real start = Real(j) * bin_interval;
      const Real end = start + bin_interval;
      Real count = Real(0);
      const int left_upper = static_cast<int>(std::ceil(start));
      Real left_scale = Real(0);
      if (Real(left_upper) > start) {
        left_scale = Real(left_upper) - start;
        if (hist[left_upper - 1] != 0) count += left_scale;
      }
      const int right_lower = static_cast<int>(std::floor(end));
      Real right_scale = Real(0);
      if (Real(right_lower) < end) {
        right_scale = end - Real(right_lower);
        if (hist[right_lower] != 0) count += right_scale;
      }
      for (int k = left_upper; k < right_lower; ++k)
        if (hist[k] != 0) count += 1;
      if (count == 0) continue;
      const Real value = quantized[j] / count;
      if (Real(left_upper) > start && hist[left_upper - 1] != 0)
        expanded[left_upper - 1] += value * left_scale;
      // right_lower can equal i when rounding pushes `end` just past i; MNN then writes one
      // element past its vector, which the divergence never reads. `expanded` has room.
      if (Real(right_lower) < end && hist[right_lower] != 0)
        expanded[right_lower] += value * right_scale;
      for (int k = left_upper; k < right_lower; ++k)
        if (hist[k] != 0) expanded[k] += value;
    }

    // KL(P || E), not renormalised; an empty expanded bin costs 1.
    Real divergence = Real(0);
    for (int k = 0; k < i; ++k) {
      const Real p = k == i - 1 ? last_candidate : hist[k];
      if (p != 0) {
        if (expanded[k] == 0)
          divergence += Real(1);
        else
          divergence += p * std::log(p / expanded[k]);
      }
    }
    if (divergence < min_divergence) {
      min_divergence = divergence;
      threshold = i;
    }
  }
  return threshold;
}

template int klThresholdBinT<float>(const float*, KlWorkspaceT<float>&);
template int klThresholdBinT<double>(const double*, KlWorkspaceT<double>&);

}  // namespace methods
}  // namespace mnnq
