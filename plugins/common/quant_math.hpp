// Small numeric helpers shared by the method plugins (header-only, compiled into each plugin).
//
// Everything here reproduces MNN's `quantized.out` arithmetic (docs/mnn-quantizer-facts.md,
// C.3-C.7): fp32 where MNN computes in fp32, and rounding half away from zero (std::round /
// roundf), because the fidelity tests compare against the integers and scales MNN wrote.
#pragma once

#include "multiversion.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {

// MNN's round: half away from zero, in float.
inline float roundHalfAway(float x) { return std::round(x); }

// ---- tensors --------------------------------------------------------------------------------

inline std::string tensorLabel(const mnnq_tensor_desc& t) {
  return std::string("tensor '") + (t.name ? t.name : "?") + "' (index " +
         std::to_string(t.index) + ")";
}

// ---- weights --------------------------------------------------------------------------------

// Weights per output channel. The host has checked the description (abi.h, mnnq_weight_desc):
// out_channels >= 1 and count = out_channels * in_channels_per_group * kernel_h * kernel_w.
inline uint64_t weightsPerChannel(const mnnq_weight_desc& w) { return w.count / w.out_channels; }

// MNN's "fake quantisation" of convolution weights before any weight method runs (C.6), per
// output channel of n weights: m = max|w|, st = m / Cw (st = m when m < 1e-6),
// w <- st * clamp(round(w / st), -Cw, Cw). For MAX_ABS it only makes the later step exact; for
// ADMM it changes the starting point. An all-zero channel gives 0/0 in MNN; it stays zero here.
inline void fakeQuantizeChannelLikeMnn(const float* w, uint64_t n, float clamp, float* out) {
  float abs_max = 0.0f;
  for (uint64_t i = 0; i < n; ++i)
    if (std::fabs(w[i]) > abs_max) abs_max = std::fabs(w[i]);
  if (abs_max == 0.0f) {
    std::fill(out, out + n, 0.0f);
    return;
  }
  float step = abs_max / clamp;
  if (abs_max < 1e-6f) step = abs_max;
  for (uint64_t i = 0; i < n; ++i) {
    const float q = roundHalfAway(w[i] / step);
    const float clamped = std::max(std::min(q, clamp), -clamp);
    out[i] = step * clamped;
  }
}

// The integer MNN stores for weight w of a channel with scale alpha (A.8):
// alpha > 1e-6 ? clamp(round(w / alpha), -2^(b-1), 2^(b-1)-1) : 0.
inline int8_t storedWeightInteger(float w, float alpha, uint32_t bits) {
  if (!(alpha > 1e-6f)) return 0;
  const float lo = -float(1 << (bits - 1));
  const float hi = float((1 << (bits - 1)) - 1);
  const float q = std::fmax(std::fmin(roundHalfAway(w / alpha), hi), lo);
  return static_cast<int8_t>(q);
}

// ---- feature statistics ------------------------------------------------------------------------

// Per-shard running min/max of every tensor (pass 0 of KL and ADMM). Each shard is written by
// one thread at a time (abi.h), so no locking; min/max merge in any order to the same result.
class ShardedRange {
 public:
  // MNN initialises min to 1e5 and max to -1e5 (TensorStatistic); an unseen tensor keeps them.
  static constexpr float kInitMin = 100000.0f;
  static constexpr float kInitMax = -100000.0f;

  void reset(std::size_t num_tensors, uint32_t num_shards) {
    tensors_ = num_tensors;
    min_.assign(std::size_t(num_shards) * num_tensors, kInitMin);
    max_.assign(std::size_t(num_shards) * num_tensors, kInitMax);
    seen_.assign(std::size_t(num_shards) * num_tensors, 0);
  }

  // Non-finite values are ignored (MNN's std::min/std::max skip NaN the same way).
  void update(uint32_t shard, uint32_t tensor, const float* data, uint64_t count) {
    const std::size_t k = std::size_t(shard) * tensors_ + tensor;
    scanFinite(data, count, &min_[k], &max_[k]);
    seen_[k] = 1;
  }

  // *lo = min(*lo, finite data), *hi = max(*hi, finite data). Vectorised: 8 running minima and
  // maxima, reduced at the end. Min and max of the same values do not depend on the order they
  // are taken in (only the sign of a zero could: callers use |min| and |max|).
  MNNQ_PLUGIN_HOT static void scanFinite(const float* data, uint64_t count, float* lo, float* hi) {
    using simd::f8;
    using simd::i8;
    const f8 largest = MNNQ_F8_SPLAT(std::numeric_limits<float>::max());
    f8 lo0 = MNNQ_F8_SPLAT(*lo), hi0 = MNNQ_F8_SPLAT(*hi), lo1 = lo0, hi1 = hi0;
    uint64_t i = 0;
    // Two accumulators, so consecutive vectors do not wait for each other's compare.
    for (; i + 16 <= count; i += 16) {
      const f8 x0 = MNNQ_F8_LOAD(data + i), x1 = MNNQ_F8_LOAD(data + i + 8);
      // |x| <= FLT_MAX: false for +-inf and NaN (NaN also fails the comparisons below).
      const i8 finite0 = f8(i8(x0) & 0x7fffffff) <= largest;
      const i8 finite1 = f8(i8(x1) & 0x7fffffff) <= largest;
      lo0 = ((x0 < lo0) & finite0) ? x0 : lo0;
      hi0 = ((x0 > hi0) & finite0) ? x0 : hi0;
      lo1 = ((x1 < lo1) & finite1) ? x1 : lo1;
      hi1 = ((x1 > hi1) & finite1) ? x1 : hi1;
    }
    float l = *lo, h = *hi;
    for (int lane = 0; lane < 8; ++lane) {
      l = std::min(l, std::min(lo0[lane], lo1[lane]));
      h = std::max(h, std::max(hi0[lane], hi1[lane]));
    }
    for (; i < count; ++i) {
      const float x = data[i];
      if (!std::isfinite(x)) continue;
      l = std::min(l, x);
      h = std::max(h, x);
    }
    *lo = l;
    *hi = h;
  }

  struct Merged {
    float min = kInitMin;
    float max = kInitMax;
    bool seen = false;
  };
  std::vector<Merged> merge() const {
    std::vector<Merged> out(tensors_);
    const std::size_t shards = tensors_ ? min_.size() / tensors_ : 0;
    for (std::size_t s = 0; s < shards; ++s)
      for (std::size_t t = 0; t < tensors_; ++t) {
        const std::size_t k = s * tensors_ + t;
        out[t].min = std::min(out[t].min, min_[k]);
        out[t].max = std::max(out[t].max, max_[k]);
        out[t].seen = out[t].seen || seen_[k];
      }
    return out;
  }

 private:
  std::size_t tensors_ = 0;
  std::vector<float> min_, max_;
  std::vector<uint8_t> seen_;
};

// The feature clamp value Cf shared by KL and ADMM: the host key feature_clamp_value (the host
// declares it, 1..127, default 127, and has checked the user's value).
inline int featureClampValue(const sdk::Config& config) {
  return config.get<int>("feature_clamp_value", 127);
}

}  // namespace methods
}  // namespace mnnq
