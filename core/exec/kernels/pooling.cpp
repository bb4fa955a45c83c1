#include "pooling.hpp"

#include "simd.hpp"

#include <algorithm>
#include <limits>

namespace mnnq::exec {
namespace {

// Outputs [oxB, oxE) of one row whose windows lie wholly inside the image: no clipping, the
// divisor is the window area either way. Fixed kernel width and stride let the loop vectorise.
template <int KX, int SX>
[[gnu::always_inline]] inline void interiorRow(const float* src, int inW, int iy, int kY,
                                               int kX, int sX, int padLeft, bool isMax, float* o,
                                               int oxB, int oxE) {
  const int kx = KX > 0 ? KX : kX, sx = SX > 0 ? SX : sX;
  const float* top = src + size_t(iy) * inW;
  const int x0 = -padLeft;  // input column of window 0's first tap
  if (isMax) {
    for (int ox = oxB; ox < oxE; ++ox) {
      float r = -std::numeric_limits<float>::max();
      for (int ky = 0; ky < kY; ++ky)
        for (int k = 0; k < kx; ++k) r = std::max(r, top[size_t(ky) * inW + x0 + ox * sx + k]);
      o[ox] = r;
    }
  } else {
    const float inv = 1.f / (kY * kx);
    for (int ox = oxB; ox < oxE; ++ox) {
      float sum = 0.f;
      for (int ky = 0; ky < kY; ++ky)
        for (int k = 0; k < kx; ++k) sum += top[size_t(ky) * inW + x0 + ox * sx + k];
      o[ox] = sum * inv;
    }
  }
}

}  // namespace

MNNQ_HOT void pool2d(const float* in, int planes, int inH, int inW, const PoolGeometry& g,
                     float* out, int outH, int outW) {
  // Columns whose windows are inside [0, inW).
  int oxB = std::min(outW, (g.padLeft + g.strideX - 1) / g.strideX);
  int oxE = inW - g.kernelX + g.padLeft < 0 ? 0 : (inW - g.kernelX + g.padLeft) / g.strideX + 1;
  oxE = std::max(oxB, std::min(outW, oxE));
  for (int p = 0; p < planes; ++p) {
    const float* src = in + size_t(p) * inH * inW;
    float* dst = out + size_t(p) * outH * outW;
    for (int oy = 0; oy < outH; ++oy) {
      const int iy = oy * g.strideY - g.padTop;
      const int ky0 = std::max(0, -iy), ky1 = std::min(g.kernelY, inH - iy);
      float* o = dst + size_t(oy) * outW;
      // Any window, clipped to the image.
      auto general = [&](int ox) {
        const int ix = ox * g.strideX - g.padLeft;
        const int kx0 = std::max(0, -ix), kx1 = std::min(g.kernelX, inW - ix);
        float r;
        if (g.isMax) {
          r = -std::numeric_limits<float>::max();
          for (int ky = ky0; ky < ky1; ++ky) {
            const float* row = src + size_t(iy + ky) * inW + ix;
            for (int kx = kx0; kx < kx1; ++kx) r = std::max(r, row[kx]);
          }
        } else {
          float sum = 0.f;
          for (int ky = ky0; ky < ky1; ++ky) {
            const float* row = src + size_t(iy + ky) * inW + ix;
            for (int kx = kx0; kx < kx1; ++kx) sum += row[kx];
          }
          int count;
          if (g.countPadding)
            count = (std::min(iy + g.kernelY, inH + g.padTop) - iy) *
                    (std::min(ix + g.kernelX, inW + g.padLeft) - ix);
          else
            count = std::max(0, ky1 - ky0) * std::max(0, kx1 - kx0);
          r = count > 0 ? sum * (1.f / count) : 0.f;
        }
        o[ox] = r;
      };
      if (iy < 0 || iy + g.kernelY > inH || oxE <= oxB) {
        for (int ox = 0; ox < outW; ++ox) general(ox);
        continue;
      }
      for (int ox = 0; ox < oxB; ++ox) general(ox);
      if (g.kernelX == 2 && g.strideX == 2)
        interiorRow<2, 2>(src, inW, iy, g.kernelY, 2, 2, g.padLeft, g.isMax, o, oxB, oxE);
      else if (g.kernelX == 3 && g.strideX == 2)
        interiorRow<3, 2>(src, inW, iy, g.kernelY, 3, 2, g.padLeft, g.isMax, o, oxB, oxE);
      else if (g.kernelX == 3 && g.strideX == 1)
        interiorRow<3, 1>(src, inW, iy, g.kernelY, 3, 1, g.padLeft, g.isMax, o, oxB, oxE);
      else
        interiorRow<0, 0>(src, inW, iy, g.kernelY, g.kernelX, g.strideX, g.padLeft, g.isMax, o, oxB, oxE);
      for (int ox = oxE; ox < outW; ++ox) general(ox);
    }
  }
}

}  // namespace mnnq::exec
