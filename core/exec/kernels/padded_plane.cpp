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
                        const PaddedPlane& p) {
  const int S = p.phases;
  for (int y = 0; y < p.rows; ++y) {
    const int iy = y - padTop;
    if (iy < 0 || iy >= inH) {
      for (int ph = 0; ph < S; ++ph) std::memset(p.row(ph, y), 0, sizeof(float) * p.width);
      continue;
    }
    const float* src = in + std::size_t(iy) * inW;
    for (int ph = 0; ph < S; ++ph) {
      float* d = p.row(ph, y);
      // Sub-plane column j reads input column j * S + ph - padLeft: inside [0, inW) for j in [j0, j1).
      const int off = ph - padLeft;
      const int j0 = std::min(p.width, off >= 0 ? 0 : (-off + S - 1) / S);
      const int j1 = std::max(j0, std::min(p.width, inW - off <= 0 ? 0 : (inW - off - 1) / S + 1));
      std::memset(d, 0, sizeof(float) * j0);
      if (S == 1)
        std::memcpy(d + j0, src + j0 + off, sizeof(float) * (j1 - j0));
      else if (S == 2)
        gather<2>(d, src, off, j0, j1);
      else
        for (int j = j0; j < j1; ++j) d[j] = src[j * S + off];
      std::memset(d + j1, 0, sizeof(float) * (p.width - j1));
    }
  }
}

}  // namespace mnnq::exec
