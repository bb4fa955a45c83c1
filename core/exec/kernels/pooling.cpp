// Max pooling vectorised with the direct loop's tap order (bit-identical to it); average pooling
// sums its taps row by row.
#include "pooling.hpp"

#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace mnnq::exec {
namespace {

// Average pooling: outputs [oxB, oxE) of one row whose windows lie wholly inside the image: no
// clipping, the divisor is the window area either way. Fixed kernel width and stride let the
// loop vectorise. Taps summed row by row, then scaled by 1/area.
template <int KX, int SX>
[[gnu::always_inline]] inline void averageInteriorRow(const float* src, int inW, int iy, int kY,
                                                      int kX, int sX, int padLeft, float* o,
                                                      int oxB, int oxE) {
  const int kx = KX > 0 ? KX : kX, sx = SX > 0 ? SX : sX;
  const float* top = src + size_t(iy) * inW;
  const int x0 = -padLeft;  // input column of window 0's first tap
  const float inv = 1.f / (kY * kx);
  for (int ox = oxB; ox < oxE; ++ox) {
    float sum = 0.f;
    for (int ky = 0; ky < kY; ++ky)
      for (int k = 0; k < kx; ++k) sum += top[size_t(ky) * inW + x0 + ox * sx + k];
    o[ox] = sum * inv;
  }
}

// Max pooling, separable: each input row is first reduced horizontally (max over the kernel's
// columns of every output position), then each output row takes the max of its window's reduced
// rows. Taps are visited row by row, columns within a row, as in a direct window loop, and
// max(r, x) keeps r on ties: the result is the window's first maximal element either way, so
// this is bit-identical to the direct loop (also for +-0 ties and NaN, which both skip).
// Horizontally, windows inside the row [oxB, oxE) are read in place 8 outputs per vector, with
// no bounds checks; the few windows clipped by the padding, and a remainder the vectors cannot
// reach without reading outside the row, take the clipped scalar loop.
template <int KX, int KY>
[[gnu::always_inline]] inline void maxPoolPlane(const float* src, int inH, int inW,
                                                const PoolGeometry& g, float* dst, int outH,
                                                int outW, int oxB, int oxE, float* reduced,
                                                int rowStride) {
  constexpr float kLow = -std::numeric_limits<float>::max();
  const int kx = KX > 0 ? KX : g.kernelX, ky = KY > 0 ? KY : g.kernelY;
  const int sx = g.strideX, sy = g.strideY;
  // Stride 2: of 16 floats p[0..15], lanes (p[0], p[2], p[8], p[10], p[4], p[6], p[12], p[14])
  // (one in-lane shuffle, vshufps) are the taps of outputs (0, 1, 4, 5, 2, 3, 6, 7); odd taps
  // from the same loads. All taps share that order, so one cross-lane permute per 8 outputs
  // (vpermpd) puts the max in place.
  typedef int v8i __attribute__((vector_size(32)));
  const v8i even = {0, 2, 8, 10, 4, 6, 12, 14}, odd = even + 1, unswap = {0, 1, 4, 5, 2, 3, 6, 7};
  for (int iy = 0; iy < inH; ++iy) {
    const float* row = src + size_t(iy) * inW - g.padLeft;  // row[x]: padded column x
    float* h = reduced + size_t(iy) * rowStride;
    int ox = oxB;   // interior outputs from ox on are still to do
    int end = oxB;  // vectors have done [oxB, end)
    if (sx == 1) {
      for (; ox + 8 <= oxE; ox += 8) {
        v8 r = V8_SPLAT(kLow);
        for (int k = 0; k < kx; ++k) {
          const v8 x = V8_LOAD(row + ox + k);
          r = r < x ? x : r;
        }
        V8_STORE(h + ox, r);
      }
      end = ox;
      if (ox < oxE && oxE - 8 >= oxB) {  // last vector overlapping the previous one
        const int o = oxE - 8;
        v8 r = V8_SPLAT(kLow);
        for (int k = 0; k < kx; ++k) {
          const v8 x = V8_LOAD(row + o + k);
          r = r < x ? x : r;
        }
        V8_STORE(h + o, r);
        end = oxE;
      }
    } else if (sx == 2) {
      // Taps k and k + 1 (k even) from the 16 floats at padded column 2*ox + k, even and odd
      // lanes: the last load ends at 2*ox + ((kx-1) & ~1) + 15, so only while that is in the
      // row; then one vector ending at oxE from odd lanes of the 16 floats starting one before
      // each tap (they end at the last window's last tap).
      const int lastX = g.padLeft + inW - 1;  // last padded column inside the row
      for (; ox + 8 <= oxE && 2 * ox + ((kx - 1) & ~1) + 15 <= lastX; ox += 8) {
        v8 r = V8_SPLAT(kLow);
        for (int k = 0; k < kx; ++k) {
          const float* p = row + 2 * ox + (k & ~1);
          const v8 x = __builtin_shuffle(V8_LOAD(p), V8_LOAD(p + 8), k & 1 ? odd : even);
          r = r < x ? x : r;
        }
        V8_STORE(h + ox, __builtin_shuffle(r, unswap));
      }
      end = ox;
      const int o = oxE - 8;
      if (ox < oxE && o >= oxB && 2 * o - 1 >= g.padLeft) {
        v8 r = V8_SPLAT(kLow);
        for (int k = 0; k < kx; ++k) {
          const float* p = row + 2 * o + k - 1;
          const v8 x = __builtin_shuffle(V8_LOAD(p), V8_LOAD(p + 8), odd);
          r = r < x ? x : r;
        }
        V8_STORE(h + o, __builtin_shuffle(r, unswap));
        end = oxE;
      }
    }
    // Clipped windows: left and right padding, and what the vectors left.
    auto clipped = [&](int b, int e) {
      for (int o = b; o < e; ++o) {
        const int x0 = o * sx, k0 = std::max(0, g.padLeft - x0);
        const int k1 = std::min(kx, g.padLeft + inW - x0);
        float r = kLow;
        for (int k = k0; k < k1; ++k) r = std::max(r, row[x0 + k]);
        h[o] = r;
      }
    };
    clipped(0, oxB);
    clipped(end, outW);
  }
  for (int oy = 0; oy < outH; ++oy) {
    const int iy = oy * sy - g.padTop;
    const int ky0 = std::max(0, -iy), ky1 = std::min(ky, inH - iy);
    const bool full = ky0 == 0 && ky1 == ky;  // no clipping: the unrolled loop
    float* o = dst + size_t(oy) * outW;
    // Whole vectors; the last one ends at outW (overlapping its predecessor) so nothing past the
    // row is stored. Rows narrower than a vector go through a staging vector.
    float tmp[8];
    const bool narrow = outW < 8;
    float* store = narrow ? tmp : o;
    for (int ox = 0; ox < outW; ox += 8) {
      const int x = narrow ? 0 : std::min(ox, outW - 8);
      const float* base = reduced + ptrdiff_t(iy) * rowStride + x;
      v8 r = V8_SPLAT(kLow);
      if (full) {
        for (int k = 0; k < ky; ++k) {
          const v8 v = V8_LOAD(base + size_t(k) * rowStride);
          r = r < v ? v : r;
        }
      } else {
        for (int k = ky0; k < ky1; ++k) {
          const v8 v = V8_LOAD(base + size_t(k) * rowStride);
          r = r < v ? v : r;
        }
      }
      V8_STORE(store + x, r);
    }
    if (narrow)
      for (int ox = 0; ox < outW; ++ox) o[ox] = tmp[ox];
  }
}

// Max pooling window by window for the common kernels (KX x KY taps, horizontal stride SX of 1
// or 2), taps in the direct loop's order, all in registers: rows whose window is inside the
// image vertically take 8 outputs per vector over the columns of [oxB, oxE) that vectors can
// reach without reading outside the row (as in maxPoolPlane); the rest, the clipped scalar loop.
template <int KX, int KY, int SX>
[[gnu::always_inline]] inline void maxPoolDirect(const float* src, int inH, int inW,
                                                 const PoolGeometry& g, float* dst, int outH,
                                                 int outW, int oxB, int oxE) {
  constexpr float kLow = -std::numeric_limits<float>::max();
  typedef int v8i __attribute__((vector_size(32)));
  const v8i even = {0, 2, 8, 10, 4, 6, 12, 14}, odd = even + 1, unswap = {0, 1, 4, 5, 2, 3, 6, 7};
  const int lastX = g.padLeft + inW - 1;  // last padded column inside a row
  for (int oy = 0; oy < outH; ++oy) {
    const int iy = oy * g.strideY - g.padTop;
    float* o = dst + size_t(oy) * outW;
    const float* row = src + ptrdiff_t(iy) * inW - g.padLeft;  // row[x]: padded column x
    auto clipped = [&](int b, int e) {
      const int ky0 = std::max(0, -iy), ky1 = std::min(KY, inH - iy);
      for (int ox = b; ox < e; ++ox) {
        const int x0 = ox * SX, k0 = std::max(0, g.padLeft - x0);
        const int k1 = std::min(KX, g.padLeft + inW - x0);
        float r = kLow;
        for (int ky = ky0; ky < ky1; ++ky)
          for (int k = k0; k < k1; ++k) r = std::max(r, row[ptrdiff_t(ky) * inW + x0 + k]);
        o[ox] = r;
      }
    };
    if (iy < 0 || iy + KY > inH) {
      clipped(0, outW);
      continue;
    }
    int ox = oxB, end = oxB;
    if (SX == 1) {
      for (; ox + 8 <= oxE; ox += 8) {
        v8 r = V8_SPLAT(kLow);
        for (int ky = 0; ky < KY; ++ky)
          for (int k = 0; k < KX; ++k) {
            const v8 x = V8_LOAD(row + ptrdiff_t(ky) * inW + ox + k);
            r = r < x ? x : r;
          }
        V8_STORE(o + ox, r);
      }
      end = ox;
      if (ox < oxE && oxE - 8 >= oxB) {
        const int b = oxE - 8;
        v8 r = V8_SPLAT(kLow);
        for (int ky = 0; ky < KY; ++ky)
          for (int k = 0; k < KX; ++k) {
            const v8 x = V8_LOAD(row + ptrdiff_t(ky) * inW + b + k);
            r = r < x ? x : r;
          }
        V8_STORE(o + b, r);
        end = oxE;
      }
    } else {
      for (; ox + 8 <= oxE && 2 * ox + ((KX - 1) & ~1) + 15 <= lastX; ox += 8) {
        v8 r = V8_SPLAT(kLow);
        for (int ky = 0; ky < KY; ++ky)
          for (int k = 0; k < KX; ++k) {
            const float* p = row + ptrdiff_t(ky) * inW + 2 * ox + (k & ~1);
            const v8 x = __builtin_shuffle(V8_LOAD(p), V8_LOAD(p + 8), k & 1 ? odd : even);
            r = r < x ? x : r;
          }
        V8_STORE(o + ox, __builtin_shuffle(r, unswap));
      }
      end = ox;
      const int b = oxE - 8;
      if (ox < oxE && b >= oxB && 2 * b - 1 >= g.padLeft) {
        v8 r = V8_SPLAT(kLow);
        for (int ky = 0; ky < KY; ++ky)
          for (int k = 0; k < KX; ++k) {
            const float* p = row + ptrdiff_t(ky) * inW + 2 * b + k - 1;
            const v8 x = __builtin_shuffle(V8_LOAD(p), V8_LOAD(p + 8), odd);
            r = r < x ? x : r;
          }
        V8_STORE(o + b, __builtin_shuffle(r, unswap));
        end = oxE;
      }
    }
    clipped(0, oxB);
    clipped(end, outW);
  }
}

}  // namespace

MNNQ_HOT void pool2d(const float* in, int planes, int inH, int inW, const PoolGeometry& g,
                     float* out, int outH, int outW) {
  // Columns whose windows are inside [0, inW).
  int oxB = std::min(outW, (g.padLeft + g.strideX - 1) / g.strideX);
  int oxE = inW - g.kernelX + g.padLeft < 0 ? 0 : (inW - g.kernelX + g.padLeft) / g.strideX + 1;
  oxE = std::max(oxB, std::min(outW, oxE));
  if (g.isMax) {
    // Reduced rows: a stride that is not a multiple of 4 KiB apart by accident, room for a vector
    // read at the last output.
    const int rowStride = (outW + 7) / 8 * 8 + 8;
    float* reduced = scratch(1, size_t(inH) * rowStride);
    for (int p = 0; p < planes; ++p) {
      const float* x = in + size_t(p) * inH * inW;
      float* y = out + size_t(p) * outH * outW;
      // The models' kernels with the tap loops unrolled.
      if (g.kernelX == 2 && g.kernelY == 2 && g.strideX == 2)
        maxPoolDirect<2, 2, 2>(x, inH, inW, g, y, outH, outW, oxB, oxE);
      else if (g.kernelX == 3 && g.kernelY == 3 && g.strideX == 2)
        maxPoolDirect<3, 3, 2>(x, inH, inW, g, y, outH, outW, oxB, oxE);
      else if (g.kernelX == 3 && g.kernelY == 3 && g.strideX == 1)
        maxPoolDirect<3, 3, 1>(x, inH, inW, g, y, outH, outW, oxB, oxE);
      else if (g.kernelX == 2 && g.kernelY == 2)
        maxPoolPlane<2, 2>(x, inH, inW, g, y, outH, outW, oxB, oxE, reduced, rowStride);
      else if (g.kernelX == 3 && g.kernelY == 3)
        maxPoolPlane<3, 3>(x, inH, inW, g, y, outH, outW, oxB, oxE, reduced, rowStride);
      else
        maxPoolPlane<0, 0>(x, inH, inW, g, y, outH, outW, oxB, oxE, reduced, rowStride);
    }
    return;
  }
  // Average pooling.
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
        o[ox] = count > 0 ? sum * (1.f / count) : 0.f;
      };
      if (iy < 0 || iy + g.kernelY > inH || oxE <= oxB) {
        for (int ox = 0; ox < outW; ++ox) general(ox);
        continue;
      }
      for (int ox = 0; ox < oxB; ++ox) general(ox);
      if (g.kernelX == 2 && g.strideX == 2)
        averageInteriorRow<2, 2>(src, inW, iy, g.kernelY, 2, 2, g.padLeft, o, oxB, oxE);
      else if (g.kernelX == 3 && g.strideX == 2)
        averageInteriorRow<3, 2>(src, inW, iy, g.kernelY, 3, 2, g.padLeft, o, oxB, oxE);
      else if (g.kernelX == 3 && g.strideX == 1)
        averageInteriorRow<3, 1>(src, inW, iy, g.kernelY, 3, 1, g.padLeft, o, oxB, oxE);
      else
        averageInteriorRow<0, 0>(src, inW, iy, g.kernelY, g.kernelX, g.strideX, g.padLeft, o,
                                 oxB, oxE);
      for (int ox = oxE; ox < outW; ++ox) general(ox);
    }
  }
}

}  // namespace mnnq::exec
