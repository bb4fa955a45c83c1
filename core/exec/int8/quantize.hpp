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
#include <cstdint>
#include <limits>

namespace mnnq::exec::int8 {

// Float -> integer truncation with the x86 result for what does not fit: cvttss2si / cvttps2dq
// give the "integer indefinite" value (the type's minimum) for NaN and out-of-range inputs.
// MNN's kernels compile to those instructions, so this is what MNN computes when float data
// overflows (an inf sum re-quantised by an int8 BinaryOp); the plain C++ cast is undefined there.
template <typename Int = int32_t>
inline Int truncToInt(float f) {
  constexpr float kLimit = -static_cast<float>(std::numeric_limits<Int>::min());  // 2^31 or 2^63, exact
  if (!(f >= -kLimit && f < kLimit)) return std::numeric_limits<Int>::min();
  return static_cast<Int>(f);
}

// a + b in 32 bits wrapping on overflow, as MNN's int arithmetic does on x86 (after a
// truncToInt that gave the integer indefinite, adding a negative zero point wraps).
inline int32_t addWrap(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// Rounds half away from zero the way MNN's x86 kernels do: add +-0.5 in float, then truncate.
// (f < 0 ? f - 0.5 : f + 0.5 written branch-free: for f = -0 both give an integer part of 0.)
inline int roundHalfAway(float f) {
  const float g = f + std::copysign(0.5f, f);
  // The conversion truncates toward zero (as std::trunc would) and, unlike std::trunc, lets the
  // compiler vectorise loops over it without SSE4.1.
  return static_cast<int>(g);
}

// FloatToInt8: x * (1/scale) + zero, clamped to [min, max], rounded. The clamps keep the
// operand order of SSE's minps/maxps (the second operand when the first is NaN), so NaN data
// becomes `max` and the value reaching the conversion is always within the attribute's range
// (graph validation bounds min and max).
inline int quantize(float x, const QuantAttr& a) {
  const float inv = a.scale == 0.f ? 0.f : 1.f / a.scale;
  float f = x * inv + a.zero;
  f = f < a.max ? f : a.max;
  f = f > a.min ? f : a.min;
  return roundHalfAway(f);
}

// Int8ToFloat.
inline float dequantize(int q, const QuantAttr& a) { return (static_cast<float>(q) - a.zero) * a.scale; }

inline float fakeQuantize(float x, const QuantAttr& a) { return dequantize(quantize(x, a), a); }

}  // namespace mnnq::exec::int8
