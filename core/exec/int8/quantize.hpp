// Float <-> int8 conversion with the arithmetic of MNN's CPU casts (D.2.4).
//
// Representation used by the int8 simulation: every tensor keeps float values; a tensor an
// int8 op produced holds its int8 values dequantised, (q - zero) * scale, which converts back
// to the same q exactly. So a float consumer reads what MNN's Int8ToFloat would give it, and an
// int8 op re-quantising its inputs performs MNN's FloatToInt8 for float-produced inputs and
// recovers q for int8-produced ones.
#pragma once

#include "int8_plan.hpp"

#include <cmath>

namespace mnnq::exec::int8 {

// Rounds half away from zero the way MNN's x86 kernels do: add +-0.5 in float, then truncate.
// (f < 0 ? f - 0.5 : f + 0.5 written branch-free: for f = -0 both give an integer part of 0.)
inline int roundHalfAway(float f) {
  const float g = f + std::copysign(0.5f, f);
  // The conversion truncates toward zero (as std::trunc would) and, unlike std::trunc, lets the
  // compiler vectorise loops over it without SSE4.1.
  return static_cast<int>(g);
}

// FloatToInt8: x * (1/scale) + zero, clamped to [min, max], rounded.
inline int quantize(float x, const QuantAttr& a) {
  const float inv = a.scale == 0.f ? 0.f : 1.f / a.scale;
  float f = x * inv + a.zero;
  f = std::min(f, a.max);
  f = std::max(f, a.min);
  return roundHalfAway(f);
}

// Int8ToFloat.
inline float dequantize(int q, const QuantAttr& a) { return (static_cast<float>(q) - a.zero) * a.scale; }

inline float fakeQuantize(float x, const QuantAttr& a) { return dequantize(quantize(x, a), a); }

}  // namespace mnnq::exec::int8
