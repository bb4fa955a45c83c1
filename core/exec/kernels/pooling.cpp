#include "pooling.hpp"

#include "simd.hpp"

#include <algorithm>
#include <limits>

namespace mnnq::exec {

MNNQ_HOT void pool2d(const float* in, int planes, int inH, int inW, const PoolGeometry& g,
                     float* out, int outH, int outW) {
  for (int p = 0; p < planes; ++p) {
    const float* src = in + size_t(p) * inH * inW;
    float* dst = out + size_t(p) * outH * outW;
    for (int oy = 0; oy < outH; ++oy) {
      const int iy = oy * g.strideY - g.padTop;
      const int ky0 = std::max(0, -iy), ky1 = std::min(g.kernelY, inH - iy);
      for (int ox = 0; ox < outW; ++ox) {
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
        dst[size_t(oy) * outW + ox] = r;
      }
    }
  }
}

}  // namespace mnnq::exec
