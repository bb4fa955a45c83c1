#include "kl_threshold.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

// Same operations in the same order as MNN's search (so every candidate's divergence is the same
// float), arranged to run faster:
//   * the geometry of the 128 target bins is computed once per candidate, not once per loop;
//   * the inner loops over the source bins of a target bin run a fixed number of steps per
//     candidate (the widest target bin), adding exact zeros past a bin's end: x + 0 == x for
//     the non-negative sums here, and a fixed trip count spares a mispredicted loop exit per
//     target bin (this halved the search on rfb320's histograms);
//   * the tail masses after each threshold are computed up front, in MNN's order.
// hist is copied into a zero-padded buffer so the fixed-length loops may read past bin 2047.
template <class Real>
int klThresholdBinT(const Real* hist_in, KlWorkspaceT<Real>& ws) {
  const int target = kKlTargetBins;
  constexpr int kPad = KlWorkspaceT<Real>::kPad;
  int threshold = target;
  Real min_divergence = Real(10000);

  ws.hist.assign(kKlBins + kPad, Real(0));
  std::copy(hist_in, hist_in + kKlBins, ws.hist.begin());
  const Real* hist = ws.hist.data();
  // 1 where a source bin is non-empty: the expansion only spreads mass over those.
  ws.nonzero.resize(kKlBins + kPad);
  for (int k = 0; k < kKlBins + kPad; ++k) ws.nonzero[k] = hist[k] != Real(0) ? Real(1) : Real(0);
  const Real* nonzero = ws.nonzero.data();

  // P's last value for candidate i: hist[i - 1] plus the mass beyond i, updated in MNN's order
  // (one subtraction per candidate), so rounding matches. Where the true tail is only the 1e-7
  // seeds, the running difference can drift below zero; the folded last bin is then negative,
  // its log NaN, the divergence NaN, and `NaN < best` false: MNN skips those candidates, and so
  // does this code.
  ws.last.resize(kKlBins);
  {
    Real after_threshold = Real(0);
    for (int k = target; k < kKlBins; ++k) after_threshold += hist[k];
    for (int i = target; i < kKlBins; ++i) {
      ws.last[i] = hist[i - 1] + after_threshold;
      after_threshold -= hist[i];
    }
  }

  ws.quantized.assign(target, Real(0));
  ws.expanded.assign(kKlBins + kPad, Real(0));
  Real* quantized = ws.quantized.data();
  Real* expanded = ws.expanded.data();
  int left_upper[kKlTargetBins], right_lower[kKlTargetBins];
  Real left_scale[kKlTargetBins], right_scale[kKlTargetBins];
  bool has_left[kKlTargetBins], has_right[kKlTargetBins];

  for (int i = target; i < kKlBins; ++i) {
    const Real bin_interval = Real(i) / Real(target);

    // Target bin j covers [j * w, j * w + w) of the source bins: whole bins left_upper ..
    // right_lower - 1, and fractions of the bins on either side.
    int width = 0;
    for (int j = 0; j < target; ++j) {
      const Real start = Real(j) * bin_interval;
      const Real end = start + bin_interval;
      const int lu = static_cast<int>(std::ceil(start));
      const int rl = static_cast<int>(std::floor(end));
      left_upper[j] = lu;
      right_lower[j] = rl;
      has_left[j] = Real(lu) > start;
      has_right[j] = Real(rl) < end;
      left_scale[j] = Real(lu) - start;
      right_scale[j] = end - Real(rl);
      width = std::max(width, rl - lu);
    }

    // Merge hist[0..i) into 128 bins.
    for (int j = 0; j < target; ++j) {
      const int lu = left_upper[j], n = right_lower[j] - lu;
      Real q = Real(0);
      if (has_left[j]) q += left_scale[j] * hist[lu - 1];
      if (has_right[j]) q += right_scale[j] * hist[right_lower[j]];
      for (int m = 0; m < width; ++m) q += m < n ? hist[lu + m] : Real(0);
      quantized[j] = q;
    }

    // Expand the 128 bins back over the non-empty source bins.
    std::fill(expanded, expanded + i + 1, Real(0));
    for (int j = 0; j < target; ++j) {
      const int lu = left_upper[j], rl = right_lower[j], n = rl - lu;
      const bool left = has_left[j] && hist[lu - 1] != 0;
      const bool right = has_right[j] && hist[rl] != 0;
      Real count = Real(0);
      if (left) count += left_scale[j];
      if (right) count += right_scale[j];
      for (int m = 0; m < width; ++m) count += m < n ? nonzero[lu + m] : Real(0);
      if (count == 0) continue;
      const Real value = quantized[j] / count;
      if (left) expanded[lu - 1] += value * left_scale[j];
      // rl can equal i when rounding pushes `end` just past i; MNN then writes one element past
      // its vector, which the divergence never reads. `expanded` has room.
      if (right) expanded[rl] += value * right_scale[j];
      for (int m = 0; m < width; ++m) expanded[lu + m] += m < n ? value * nonzero[lu + m] : Real(0);
    }

    // A negative folded last bin (the running tail drifted below zero, above) makes its log, and
    // so the divergence, NaN whenever its expanded bin is not empty: such a candidate can never
    // be chosen (`NaN < best` is false), so its divergence is not computed. (On rfb320, 12 of
    // the 43 searches have such candidates, up to 808 of their 1920, all among the longest.)
    if (ws.last[i] < 0 && expanded[i - 1] != 0) continue;

    // KL(P || E), not renormalised; an empty expanded bin costs 1. P is hist[0..i) with the
    // tail folded into its last bin.
    // (The last term is a separate step: a loop body without the `k == i - 1` test measured
    // 10% faster.)
    Real divergence = Real(0);
    for (int k = 0; k < i - 1; ++k) {
      const Real p = hist[k];
      if (p != 0) {
        if (expanded[k] == 0)
          divergence += Real(1);
        else
          divergence += p * std::log(p / expanded[k]);
      }
    }
    if (const Real p = ws.last[i]; p != 0) {
      if (expanded[i - 1] == 0)
        divergence += Real(1);
      else
        divergence += p * std::log(p / expanded[i - 1]);
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
