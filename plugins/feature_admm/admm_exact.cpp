#include "admm_exact.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace methods {

namespace {
// clamp(roundf(v), -bound, bound) for finite v, without libm calls (std::round and fmin/fmax
// are out-of-line calls on baseline x86-64 and were 45 % of the iteration's time). v is first
// limited to +-(bound + 1), which leaves the clamped result unchanged and keeps the int
// conversion in range; v - trunc(v) is exact in float, so ties round away from zero as roundf.
inline float roundClamped(float v, float bound) {
  v = std::min(bound + 1.0f, std::max(-bound - 1.0f, v));
  const int t = static_cast<int>(v);
  const float frac = v - static_cast<float>(t);
  const int r = frac >= 0.5f ? t + 1 : (frac <= -0.5f ? t - 1 : t);
  return std::min(bound, std::max(-bound, static_cast<float>(r)));
}
}  // namespace

void AdmmExact::add(uint64_t first_sample, const float* data, uint64_t count) {
  std::vector<float> copy;
  copy.reserve(count);
  for (uint64_t i = 0; i < count; ++i)
    if (std::isfinite(data[i]) && data[i] != 0.0f) copy.push_back(data[i]);  // zeros add nothing
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = chunks_[first_sample];
  slot.insert(slot.end(), copy.begin(), copy.end());
}

uint64_t AdmmExact::elements() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t n = 0;
  for (const auto& kv : chunks_) n += kv.second.size();
  return n;
}

float AdmmExact::solve(int clamp, int iterations) const {
  std::lock_guard<std::mutex> lock(mutex_);
  float abs_max = 0.0f;
  for (const auto& kv : chunks_)
    for (float x : kv.second) abs_max = std::max(abs_max, std::fabs(x));
  if (abs_max == 0.0f) return 0.0f;
  const float bound = float(clamp);
  // MNN: alpha = max / (bound * 2.5), evaluated in double, stored as float.
  float alpha = float(double(abs_max) / (double(clamp) * 2.5));
  for (int it = 0; it < iterations; ++it) {
    const float inv = 1.0f / alpha;  // MNN multiplies by the float reciprocal
    double sum_qx = 0.0, sum_qq = 0.0;
    for (const auto& kv : chunks_)
      for (float x : kv.second) {
        const float q = roundClamped(x * inv, bound);
        sum_qx += double(q) * double(x);
        sum_qq += double(q) * double(q);
      }
    if (!(sum_qq > 0.0)) break;
    const float next = float(sum_qx / sum_qq);
    if (next == alpha) break;  // q repeated: every later iteration gives the same alpha
    alpha = next;
  }
  return alpha;
}

}  // namespace methods
}  // namespace mnnq
