// Direct depthwise convolution. Each output row splits into a left border, an interior where
// every tap is inside the image (branch-free, vectorised along x) and a right border.
#include "conv2d.hpp"
#include "simd.hpp"

#include <algorithm>

namespace mnnq::exec {
namespace {

// out[ox] += sum_kx w[kx] * in[ox*S + kx*dil] for ox in [0, count).
template <int KX, int S>
inline void rowTapsFixed(float* out, const float* in, int count, const float* w, int dil) {
  for (int ox = 0; ox < count; ++ox) {
    float acc = out[ox];
    for (int kx = 0; kx < KX; ++kx) acc += w[kx] * in[ox * S + kx * dil];
    out[ox] = acc;
  }
}

inline void rowTapsGeneric(float* out, const float* in, int count, const float* w, int kX,
                           int stride, int dil) {
  for (int kx = 0; kx < kX; ++kx) {
    const float wk = w[kx];
    const float* s = in + kx * dil;
    for (int ox = 0; ox < count; ++ox) out[ox] += wk * s[ox * stride];
  }
}

MNNQ_HOT void depthwiseChannel(const float* in, int inH, int inW, const float* w, float bias,
                               const ConvGeometry& g, float* out, int outH, int outW, int oxB,
                               int oxE) {
  for (int oy = 0; oy < outH; ++oy) {
    float* o = out + size_t(oy) * outW;
    const int iy0 = oy * g.strideY - g.padTop;
    for (int ox = 0; ox < outW; ++ox) o[ox] = bias;
    // Interior columns, all kernel rows that are inside the image.
    for (int ky = 0; ky < g.kernelY; ++ky) {
      const int iy = iy0 + ky * g.dilateY;
      if (iy < 0 || iy >= inH) continue;
      const float* row = in + size_t(iy) * inW;
      const float* wr = w + ky * g.kernelX;
      if (oxE > oxB) {
        const float* s = row + oxB * g.strideX - g.padLeft;
        const int cnt = oxE - oxB;
        if (g.kernelX == 3 && g.strideX == 1)
          rowTapsFixed<3, 1>(o + oxB, s, cnt, wr, g.dilateX);
        else if (g.kernelX == 3 && g.strideX == 2)
          rowTapsFixed<3, 2>(o + oxB, s, cnt, wr, g.dilateX);
        else if (g.kernelX == 5 && g.strideX == 1)
          rowTapsFixed<5, 1>(o + oxB, s, cnt, wr, g.dilateX);
        else if (g.kernelX == 5 && g.strideX == 2)
          rowTapsFixed<5, 2>(o + oxB, s, cnt, wr, g.dilateX);
        else
          rowTapsGeneric(o + oxB, s, cnt, wr, g.kernelX, g.strideX, g.dilateX);
      }
      // Border columns with bounds checks.
      auto border = [&](int ox) {
        const int ix0 = ox * g.strideX - g.padLeft;
        float acc = 0.f;
        for (int kx = 0; kx < g.kernelX; ++kx) {
          const int ix = ix0 + kx * g.dilateX;
          if (ix >= 0 && ix < inW) acc += wr[kx] * row[ix];
        }
        o[ox] += acc;
      };
      for (int ox = 0; ox < std::min(oxB, outW); ++ox) border(ox);
      for (int ox = std::max(oxE, oxB); ox < outW; ++ox) border(ox);
    }
  }
}

}  // namespace

void depthwiseConv(const float* in, int channels, int inH, int inW, const float* weight,
                   const float* bias, const ConvGeometry& g, float* out, int outH, int outW,
                   Activation act) {
  // Columns [oxB, oxE) where the whole kernel row lies inside [0, inW).
  int oxB = 0, oxE = outW;
  while (oxB < outW && oxB * g.strideX - g.padLeft < 0) ++oxB;
  const int span = (g.kernelX - 1) * g.dilateX;
  while (oxE > oxB && (oxE - 1) * g.strideX - g.padLeft + span >= inW) --oxE;
  const int kArea = g.kernelY * g.kernelX;
  for (int c = 0; c < channels; ++c) {
    depthwiseChannel(in + size_t(c) * inH * inW, inH, inW, weight + size_t(c) * kArea,
                     bias ? bias[c] : 0.f, g, out + size_t(c) * outH * outW, outH, outW, oxB, oxE);
  }
  if (act != Activation::None) biasActivate(out, channels, outH * outW, nullptr, act);
}

}  // namespace mnnq::exec
