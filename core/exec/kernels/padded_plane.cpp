#include "padded_plane.hpp"

#include "simd.hpp"

#include <algorithm>
#include <cstring>

namespace mnnq::exec {

namespace {

// d[j] = src[j * S + off] for j in [j0, j1); a compile-time stride lets the loop vectorise.
template <int S>
[[gnu::always_inline]] inline void gather(float* __restrict d, const float* __restrict src, int off,
                                          int j0, int j1) {
  for (int j = j0; j < j1; ++j) d[j] = src[j * S + off];
}

}  // namespace

MNNQ_HOT void fillPlane(const float* in, int inH, int inW, int padTop, int padLeft,
                        const PaddedPlane& p, bool bordersZeroed) {
  const int S = p.phases;
  // Sub-plane `ph` column j reads input column j * S + ph - padLeft: inside [0, inW) for j in
  // [j0, j1). The same for every row, so computed once (the divisions cost more than the copy
  // on small planes).
  constexpr int kMaxPhases = 8;
  int j0[kMaxPhases], j1[kMaxPhases];
  for (int ph = 0; ph < S && ph < kMaxPhases; ++ph) {
    const int off = ph - padLeft;
    j0[ph] = std::min(p.width, off >= 0 ? 0 : (-off + S - 1) / S);
    j1[ph] = std::max(j0[ph], std::min(p.width, inW - off <= 0 ? 0 : (inW - off - 1) / S + 1));
  }
  const int y0 = std::min(std::max(padTop, 0), p.rows);
  const int y1 = std::max(y0, std::min(p.rows, padTop + inH));
  // Zeros by vector stores: the rows are short, and memset's call and set-up cost more than
  // the stores (Winograd fills one plane per input channel, with `unit` sub-planes each).
  const v8 zero = V8_SPLAT(0.f);
  if (!bordersZeroed)
    for (int y = 0; y < p.rows; ++y)
      if (y < y0 || y >= y1)
        for (int ph = 0; ph < S; ++ph) {
          float* d = p.row(ph, y);
          int j = 0;
          for (; j + 8 <= p.width; j += 8) V8_STORE(d + j, zero);
          for (; j < p.width; ++j) d[j] = 0.f;
        }
  for (int y = y0; y < y1; ++y) {
    const float* src = in + std::size_t(y - padTop) * inW;
    for (int ph = 0; ph < S; ++ph) {
      float* d = p.row(ph, y);
      const int off = ph - padLeft;
      int b = 0, e = p.width;
      if (ph < kMaxPhases) {
        b = j0[ph];
        e = j1[ph];
      } else {
        b = std::min(p.width, off >= 0 ? 0 : (-off + S - 1) / S);
        e = std::max(b, std::min(p.width, inW - off <= 0 ? 0 : (inW - off - 1) / S + 1));
      }
      if (!bordersZeroed) {
        for (int j = 0; j < b; ++j) d[j] = 0.f;
        for (int j = e; j < p.width; ++j) d[j] = 0.f;
      }
      if (S == 1) {
        // Rows are often a few dozen floats: vector moves without a call (memcpy's set-up cost
        // more than the copy on the 8x10 and 15x20 planes of rfb320's depthwise layers).
        float* dd = d + b;
        const float* ss = src + b + off;
        int n = e - b;
        for (; n >= 8; n -= 8, dd += 8, ss += 8) V8_STORE(dd, V8_LOAD(ss));
        for (; n > 0; --n) *dd++ = *ss++;
      }
      else if (S == 2)
        gather<2>(d, src, off, b, e);
      else if (S == 4)  // Winograd's F(4, k) tiles
        gather<4>(d, src, off, b, e);
      else if (S == 6)  // Winograd's F(6, 3) tiles
        gather<6>(d, src, off, b, e);
      else
        for (int j = b; j < e; ++j) d[j] = src[j * S + off];
    }
  }
}

}  // namespace mnnq::exec
