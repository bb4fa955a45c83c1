#include "kl_histogram.hpp"

#include "common/multiversion.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace mnnq {
namespace methods {
namespace {

// Elements whose bins are computed per block before they are counted: the bin computation is
// vectorised, the counting is a chain of scalar increments.
constexpr int kBlock = 512;

// Bin of |x|, or kKlBins for skipped elements. The product is clamped in float before the
// conversion, which equals clamping the converted integer (both are 2047 from 2047.0 up) and
// keeps infinities and NaN (already skipped) away from an undefined conversion.
inline int binOf(float x, float interval, float skip_bound) {
  const float a = std::fabs(x);
  if (!(a >= skip_bound && a <= std::numeric_limits<float>::max())) return kKlBins;
  return static_cast<int>(std::min(a * interval, float(kKlBins - 1)));
}

// Adds the bins of data[0..count) to the kWays interleaved counters in `sub`.
MNNQ_PLUGIN_HOT void countBins(const float* data, uint64_t count, float interval, float skip_bound,
                               uint32_t* sub) {
  using simd::f8;
  using simd::i8;
  typedef uint16_t u16x8 __attribute__((vector_size(16), aligned(2), may_alias));
  const f8 v_interval = MNNQ_F8_SPLAT(interval);
  const f8 v_bound = MNNQ_F8_SPLAT(skip_bound);
  const f8 v_largest = MNNQ_F8_SPLAT(std::numeric_limits<float>::max());
  const f8 v_last = MNNQ_F8_SPLAT(float(kKlBins - 1));
  // Skipped elements go to 8 dump slots, one per vector lane: long runs of zeros (after a ReLU)
  // would otherwise chain every increment on the previous one's store to the same slot.
  const i8 v_skip = MNNQ_I8_SPLAT(kKlBins) + i8{0, 1, 2, 3, 4, 5, 6, 7};
  constexpr int ways = KlBinCounter::kWays, stride = KlBinCounter::kStride;
  // uint16_t, so stores to the uint32_t counters cannot alias the bins being read.
  alignas(32) uint16_t bins[kBlock];
  for (uint64_t done = 0; done < count;) {
    const int n = static_cast<int>(std::min<uint64_t>(kBlock, count - done));
    const float* x = data + done;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      const f8 a = f8(i8(MNNQ_F8_LOAD(x + j)) & 0x7fffffff);
      const i8 counted = (a >= v_bound) & (a <= v_largest);
      f8 scaled = a * v_interval;
      scaled = scaled < v_last ? scaled : v_last;
      const i8 bin = counted ? __builtin_convertvector(scaled, i8) : v_skip;
      *reinterpret_cast<u16x8*>(bins + j) = __builtin_convertvector(bin, u16x8);
    }
    for (; j < n; ++j) bins[j] = static_cast<uint16_t>(binOf(x[j], interval, skip_bound));
    j = 0;
    for (; j + 8 <= n; j += 8) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) ++sub[(k % ways) * stride + bins[j + k]];
    }
    for (; j < n; ++j) ++sub[bins[j]];
    done += static_cast<uint64_t>(n);
  }
}

}  // namespace

float klSkipBound() {
  float f = 1e-6f;
  if (double(f) > 1e-6) {
    while (double(std::nextafter(f, 0.0f)) > 1e-6) f = std::nextafter(f, 0.0f);
  } else {
    while (!(double(f) > 1e-6)) f = std::nextafter(f, 1.0f);
  }
  return f;
}

KlBinCounter::KlBinCounter() : sub_(std::size_t(kWays) * kStride, 0) {}

void KlBinCounter::add(const float* data, uint64_t count, float interval) {
  if (count > kMaxPending - pending_)
    throw sdk::Error("KL histogram: more than 2^31 elements between flushes", MNNQ_INVALID_STATE);
  static const float skip_bound = klSkipBound();
  countBins(data, count, interval, skip_bound, sub_.data());
  pending_ += count;
}

void KlBinCounter::flushInto(uint64_t* counts) {
  if (pending_ == 0) return;
  for (int b = 0; b < kKlBins; ++b) {
    uint64_t total = 0;
    for (int w = 0; w < kWays; ++w) total += sub_[std::size_t(w) * kStride + b];
    counts[b] += total;
  }
  std::fill(sub_.begin(), sub_.end(), 0u);
  pending_ = 0;
}

}  // namespace methods
}  // namespace mnnq
