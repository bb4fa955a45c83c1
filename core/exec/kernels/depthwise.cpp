// Direct depthwise convolution, one channel at a time.
//
// The channel is first copied into a zero-bordered plane (per-thread scratch) that holds exactly
// the rows and columns the kernel windows reach, so the arithmetic needs no bounds checks at
// all. With a horizontal stride S the padded columns are dealt into S sub-planes (column x goes
// to sub-plane x % S at x / S), so every tap of a row of outputs reads consecutive floats of one
// sub-plane whatever the stride or dilation: the loops over x vectorise.
// The common shapes (3x3, 5x5, 7x7 kernels; stride 1 or 2; no dilation) have their taps fully
// unrolled, so each output is computed in registers and stored once, with bias and activation.
#include "conv2d.hpp"
#include "padded_plane.hpp"
#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cstring>

namespace mnnq::exec {
namespace {

inline void activateRow(float* o, int n, Activation act) {
  if (act == Activation::Relu) {
    for (int i = 0; i < n; ++i) o[i] = std::max(o[i], 0.f);
  } else if (act == Activation::Relu6) {
    for (int i = 0; i < n; ++i) o[i] = std::min(std::max(o[i], 0.f), 6.f);
  }
}

// The activation applied in registers before a store, with activateRow's semantics (max(x, 0)
// keeps NaN and -0). Stored rows are not read back: re-reading a row just stored by vectors of
// other offsets stalled on store forwarding (a third of the 15x20 layers' time).
#define MNNQ_DW_ACT(v)                                   \
  do {                                                   \
    if (act != Activation::None) {                       \
      v = v < zero ? zero : v;                           \
      if (act == Activation::Relu6) v = six < v ? six : v; \
    }                                                    \
  } while (0)

inline float activate(float v, Activation act) {
  if (act == Activation::Relu) return std::max(v, 0.f);
  if (act == Activation::Relu6) return std::min(std::max(v, 0.f), 6.f);
  return v;
}

// One output row with a KY x KX kernel, horizontal stride S, no dilation: 16 outputs at a time
// in two 8-float vectors (each weight broadcast once for both), then 8, then the rest one by one.
template <int KY, int KX, int S>
[[gnu::always_inline]] inline void rowFixed(const PaddedPlane& p, int y0, const float* w, float bias,
                                            float* __restrict o, int outW, Activation act) {
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
  const float* r[KY][S];
  for (int ky = 0; ky < KY; ++ky)
    for (int ph = 0; ph < S; ++ph) r[ky][ph] = p.row(ph, y0 + ky);
  int ox = 0;
  for (; ox + 16 <= outW; ox += 16) {
    v8 a0 = V8_SPLAT(bias), a1 = a0;
    for (int ky = 0; ky < KY; ++ky)
      for (int kx = 0; kx < KX; ++kx) {
        const float* s = r[ky][kx % S] + ox + kx / S;
        const float wk = w[ky * KX + kx];
        a0 += wk * V8_LOAD(s);
        a1 += wk * V8_LOAD(s + 8);
      }
    MNNQ_DW_ACT(a0);
    MNNQ_DW_ACT(a1);
    V8_STORE(o + ox, a0);
    V8_STORE(o + ox + 8, a1);
  }
  // Then 8 at a time; the last vector ends at the row's end, recomputing up to 7 outputs
  // already stored (to the same values) instead of a scalar chain of KY * KX FMAs per output.
  for (; outW >= 8 && ox < outW; ox += 8) {
    const int x = std::min(ox, outW - 8);
    v8 a0 = V8_SPLAT(bias);
    for (int ky = 0; ky < KY; ++ky)
      for (int kx = 0; kx < KX; ++kx) a0 += w[ky * KX + kx] * V8_LOAD(r[ky][kx % S] + x + kx / S);
    MNNQ_DW_ACT(a0);
    V8_STORE(o + x, a0);
  }
  for (; ox < outW; ++ox) {
    float a = bias;
    for (int ky = 0; ky < KY; ++ky)
      for (int kx = 0; kx < KX; ++kx) a += w[ky * KX + kx] * r[ky][kx % S][ox + kx / S];
    o[ox] = activate(a, act);
  }
}

// Two output rows at once (stride S vertically too): the KY + S input rows they read are loaded
// once and each loaded vector feeds both rows' accumulators, nearly halving the loads per
// multiply-add of the single-row form.
template <int KY, int KX, int S>
[[gnu::always_inline]] inline void rowPairFixed(const PaddedPlane& p, int y0, const float* w,
                                                float bias, float* __restrict o0,
                                                float* __restrict o1, int outW, Activation act) {
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
  const float* r[KY + S][S];
  for (int d = 0; d < KY + S; ++d)
    for (int ph = 0; ph < S; ++ph) r[d][ph] = p.row(ph, y0 + d);
  int ox = 0;
  if constexpr (KX >= 5) {
    // 5x5 and larger: 32 outputs of each row per pass, 8 FMA chains (16 gave 4, latency-bound
    // on 25-tap chains); the weights come from memory either way. blazeface_tf's 64x64 and
    // 32x32 layers 19 % faster.
    for (; ox + 32 <= outW; ox += 32) {
      v8 a00 = V8_SPLAT(bias), a01 = a00, a02 = a00, a03 = a00;
      v8 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      for (int d = 0; d < KY + S; ++d)
        for (int kx = 0; kx < KX; ++kx) {
          const float* src = r[d][kx % S] + ox + kx / S;
          const v8 x0 = V8_LOAD(src), x1 = V8_LOAD(src + 8);
          const v8 x2 = V8_LOAD(src + 16), x3 = V8_LOAD(src + 24);
          if (d < KY) {
            const float wk = w[d * KX + kx];
            a00 += wk * x0;
            a01 += wk * x1;
            a02 += wk * x2;
            a03 += wk * x3;
          }
          if (d >= S) {
            const float wk = w[(d - S) * KX + kx];
            a10 += wk * x0;
            a11 += wk * x1;
            a12 += wk * x2;
            a13 += wk * x3;
          }
        }
      MNNQ_DW_ACT(a00);
      MNNQ_DW_ACT(a01);
      MNNQ_DW_ACT(a02);
      MNNQ_DW_ACT(a03);
      MNNQ_DW_ACT(a10);
      MNNQ_DW_ACT(a11);
      MNNQ_DW_ACT(a12);
      MNNQ_DW_ACT(a13);
      V8_STORE(o0 + ox, a00);
      V8_STORE(o0 + ox + 8, a01);
      V8_STORE(o0 + ox + 16, a02);
      V8_STORE(o0 + ox + 24, a03);
      V8_STORE(o1 + ox, a10);
      V8_STORE(o1 + ox + 8, a11);
      V8_STORE(o1 + ox + 16, a12);
      V8_STORE(o1 + ox + 24, a13);
    }
  }
  for (; ox + 16 <= outW; ox += 16) {
    v8 a00 = V8_SPLAT(bias), a01 = a00, a10 = a00, a11 = a00;
    for (int d = 0; d < KY + S; ++d)
      for (int kx = 0; kx < KX; ++kx) {
        const float* src = r[d][kx % S] + ox + kx / S;
        const v8 x0 = V8_LOAD(src), x1 = V8_LOAD(src + 8);
        if (d < KY) {
          const float wk = w[d * KX + kx];
          a00 += wk * x0;
          a01 += wk * x1;
        }
        if (d >= S) {
          const float wk = w[(d - S) * KX + kx];
          a10 += wk * x0;
          a11 += wk * x1;
        }
      }
    MNNQ_DW_ACT(a00);
    MNNQ_DW_ACT(a01);
    MNNQ_DW_ACT(a10);
    MNNQ_DW_ACT(a11);
    V8_STORE(o0 + ox, a00);
    V8_STORE(o0 + ox + 8, a01);
    V8_STORE(o1 + ox, a10);
    V8_STORE(o1 + ox + 8, a11);
  }
  for (; outW >= 8 && ox < outW; ox += 8) {  // the last vector ends at the row's end (rowFixed)
    const int xo = std::min(ox, outW - 8);
    v8 a0 = V8_SPLAT(bias), a1 = a0;
    for (int d = 0; d < KY + S; ++d)
      for (int kx = 0; kx < KX; ++kx) {
        const v8 x = V8_LOAD(r[d][kx % S] + xo + kx / S);
        if (d < KY) a0 += w[d * KX + kx] * x;
        if (d >= S) a1 += w[(d - S) * KX + kx] * x;
      }
    MNNQ_DW_ACT(a0);
    MNNQ_DW_ACT(a1);
    V8_STORE(o0 + xo, a0);
    V8_STORE(o1 + xo, a1);
  }
  for (; ox < outW; ++ox) {
    float a0 = bias, a1 = bias;
    for (int ky = 0; ky < KY; ++ky)
      for (int kx = 0; kx < KX; ++kx) {
        a0 += w[ky * KX + kx] * r[ky][kx % S][ox + kx / S];
        a1 += w[ky * KX + kx] * r[ky + S][kx % S][ox + kx / S];
      }
    o0[ox] = activate(a0, act);
    o1[ox] = activate(a1, act);
  }
}

template <int KY, int KX, int S>
[[gnu::always_inline]] inline void channelFixed(const PaddedPlane& p, int strideY, const float* w,
                                                float bias, float* out, int outH, int outW,
                                                Activation act) {
  int oy = 0;
  if (strideY == S) {
    for (; oy + 2 <= outH; oy += 2) {
      float* o = out + size_t(oy) * outW;
      rowPairFixed<KY, KX, S>(p, oy * S, w, bias, o, o + outW, outW, act);
    }
  }
  for (; oy < outH; ++oy) {
    float* o = out + size_t(oy) * outW;
    rowFixed<KY, KX, S>(p, oy * strideY, w, bias, o, outW, act);
  }
}

// Any kernel size, stride and dilation: tap by tap over a row of outputs.
[[gnu::always_inline]] inline void channelGeneric(const PaddedPlane& p, const ConvGeometry& g,
                                                  const float* w, float bias, float* out, int outH,
                                                  int outW, Activation act) {
  for (int oy = 0; oy < outH; ++oy) {
    float* __restrict o = out + size_t(oy) * outW;
    for (int ox = 0; ox < outW; ++ox) o[ox] = bias;
    for (int ky = 0; ky < g.kernelY; ++ky) {
      const int y = oy * g.strideY + ky * g.dilateY;
      for (int kx = 0; kx < g.kernelX; ++kx) {
        const int col = kx * g.dilateX;
        const float* __restrict s = p.row(col % g.strideX, y) + col / g.strideX;
        const float wk = w[ky * g.kernelX + kx];
        for (int ox = 0; ox < outW; ++ox) o[ox] += wk * s[ox];
      }
    }
    activateRow(o, outW, act);
  }
}

MNNQ_HOT void depthwiseChannels(const float* in, int channels, int inH, int inW,
                                const float* weight, const float* bias, const ConvGeometry& g,
                                float* out, int outH, int outW, Activation act) {
  PaddedPlane p;
  p.phases = g.strideX;
  p.rows = (outH - 1) * g.strideY + (g.kernelY - 1) * g.dilateY + 1;
  const int paddedW = (outW - 1) * g.strideX + (g.kernelX - 1) * g.dilateX + 1;
  p.width = (paddedW + g.strideX - 1) / g.strideX;
  p.data = scratch(0, size_t(p.phases) * p.rows * p.width);
  const bool plain = g.dilateX == 1 && g.dilateY == 1 && g.kernelX == g.kernelY &&
                     (g.strideX == 1 || g.strideX == 2);
  const int kArea = g.kernelY * g.kernelX;
  for (int c = 0; c < channels; ++c) {
    // Channels share the plane geometry: its zero border is written for the first one only.
    fillPlane(in + size_t(c) * inH * inW, inH, inW, g.padTop, g.padLeft, p, c > 0);
    const float* w = weight + size_t(c) * kArea;
    const float b = bias ? bias[c] : 0.f;
    float* o = out + size_t(c) * outH * outW;
    const int k = plain ? g.kernelX : 0;
    if (k == 3 && g.strideX == 1) channelFixed<3, 3, 1>(p, g.strideY, w, b, o, outH, outW, act);
    else if (k == 3) channelFixed<3, 3, 2>(p, g.strideY, w, b, o, outH, outW, act);
    else if (k == 5 && g.strideX == 1) channelFixed<5, 5, 1>(p, g.strideY, w, b, o, outH, outW, act);
    else if (k == 5) channelFixed<5, 5, 2>(p, g.strideY, w, b, o, outH, outW, act);
    else if (k == 7 && g.strideX == 1) channelFixed<7, 7, 1>(p, g.strideY, w, b, o, outH, outW, act);
    else if (k == 7) channelFixed<7, 7, 2>(p, g.strideY, w, b, o, outH, outW, act);
    else channelGeneric(p, g, w, b, o, outH, outW, act);
  }
}

}  // namespace

void depthwiseConv(const float* in, int channels, int inH, int inW, const float* weight,
                   const float* bias, const ConvGeometry& g, float* out, int outH, int outW,
                   Activation act) {
  if (channels <= 0 || outH <= 0 || outW <= 0) return;
  depthwiseChannels(in, channels, inH, inW, weight, bias, g, out, outH, outW, act);
}

}  // namespace mnnq::exec
