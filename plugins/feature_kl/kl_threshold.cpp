#include "kl_threshold.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

int klThresholdBin(const float* hist, KlWorkspace& ws) {
  const int target = kKlTargetBins;
  int threshold = target;
  float min_divergence = 10000.0f;

  // Mass beyond the candidate threshold, updated in MNN's order (one float subtraction per
  // candidate), so rounding matches.
  float after_threshold = 0.0f;
  for (int k = target; k < kKlBins; ++k) after_threshold += hist[k];

  ws.quantized.assign(target, 0.0f);
  ws.expanded.assign(kKlBins + 1, 0.0f);
  float* quantized = ws.quantized.data();
  float* expanded = ws.expanded.data();

  for (int i = target; i < kKlBins; ++i) {
    // The candidate distribution P is hist[0..i) with the tail folded into its last bin; only
    // that last value differs from hist, so it is kept aside instead of copying i floats.
    const float last_candidate = hist[i - 1] + after_threshold;
    after_threshold -= hist[i];

    const float bin_interval = float(i) / float(target);

    // Merge hist[0..i) into 128 bins (fractional bins at both ends of each target bin).
    for (int j = 0; j < target; ++j) {
      const float start = float(j) * bin_interval;
      const float end = start + bin_interval;
      float q = 0.0f;
      const int left_upper = static_cast<int>(std::ceil(start));
      if (float(left_upper) > start) q += (float(left_upper) - start) * hist[left_upper - 1];
      const int right_lower = static_cast<int>(std::floor(end));
      if (float(right_lower) < end) q += (end - float(right_lower)) * hist[right_lower];
      for (int k = left_upper; k < right_lower; ++k) q += hist[k];
      quantized[j] = q;
    }

    // Expand the 128 bins back over the non-empty source bins.
    std::fill(expanded, expanded + i + 1, 0.0f);
    for (int j = 0; j < target; ++j) {
      const float start = float(j) * bin_interval;
      const float end = start + bin_interval;
      float count = 0.0f;
      const int left_upper = static_cast<int>(std::ceil(start));
      float left_scale = 0.0f;
      if (float(left_upper) > start) {
        left_scale = float(left_upper) - start;
        if (hist[left_upper - 1] != 0) count += left_scale;
      }
      const int right_lower = static_cast<int>(std::floor(end));
      float right_scale = 0.0f;
      if (float(right_lower) < end) {
        right_scale = end - float(right_lower);
        if (hist[right_lower] != 0) count += right_scale;
      }
      for (int k = left_upper; k < right_lower; ++k)
        if (hist[k] != 0) count += 1;
      if (count == 0) continue;
      const float value = quantized[j] / count;
      if (float(left_upper) > start && hist[left_upper - 1] != 0)
        expanded[left_upper - 1] += value * left_scale;
      // right_lower can equal i when rounding pushes `end` just past i; MNN then writes one
      // element past its vector, which the divergence never reads. `expanded` has room.
      if (float(right_lower) < end && hist[right_lower] != 0)
        expanded[right_lower] += value * right_scale;
      for (int k = left_upper; k < right_lower; ++k)
        if (hist[k] != 0) expanded[k] += value;
    }

    // KL(P || E), not renormalised; an empty expanded bin costs 1.
    float divergence = 0.0f;
    for (int k = 0; k < i; ++k) {
      const float p = k == i - 1 ? last_candidate : hist[k];
      if (p != 0) {
        if (expanded[k] == 0)
          divergence += 1.0f;
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

}  // namespace methods
}  // namespace mnnq
