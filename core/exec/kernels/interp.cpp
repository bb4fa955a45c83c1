#include "interp.hpp"

#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mnnq::exec {
namespace {

inline int clampi(int v, int lo, int hi) { return std::min(std::max(v, lo), hi); }

// Cubic convolution weights for the 4 taps at fraction t (A = -0.75), evaluated with the same
// expressions (and float/double mix) as the reference runtime.
inline void cubicWeights(float t, float w[4]) {
  w[1] = 1.0f - 2.25f * t * t + 1.25f * t * t * t;
  w[2] = static_cast<float>(1.0f - 2.25f * (1.0f - t) * (1.0f - t) +
                            1.25 * (1.0f - t) * (1.0f - t) * (1.0f - t));
  const float ta = 1.0f + t, td = 2.0f - t;
  w[0] = static_cast<float>(3.0f - 6.0f * ta + 5.0f * 0.75 * ta * ta - 0.75f * ta * ta * ta);
  w[3] = static_cast<float>(3.0f - 6.0f * td + 5.0f * 0.75 * td * td - 0.75f * td * td * td);
}


// One source row interpolated horizontally: out[x] = r[x1]*f + r[x0]*(1-f), as MNN's sampler
// (products rounded separately: this file is built without FMA contraction).
[[gnu::always_inline]] inline void horizontalLine(const float* __restrict r, const int* __restrict x0,
                                                  const int* __restrict x1,
                                                  const float* __restrict f,
                                                  const float* __restrict g, int n,
                                                  float* __restrict out) {
  for (int x = 0; x < n; ++x) out[x] = r[x1[x]] * f[x] + r[x0[x]] * g[x];
}

// Horizontal taps of a bilinear row, blocks of 8 outputs whose taps all fall in 8 consecutive
// source columns (see interp2d).
struct WindowedTaps {
  std::vector<int> start, base, off0, off1;  // per block; offsets 8 per block
  bool plan(const std::vector<int>& x0, const std::vector<int>& x1, int inW, int outW) {
    if (inW < 8 || outW < 8) return false;
    for (int s = 0;; s += 8) {
      s = std::min(s, outW - 8);
      const int b = std::min(x0[s], inW - 8);
      for (int j = 0; j < 8; ++j) {
        const int a = x0[s + j] - b, c = x1[s + j] - b;
        if (a < 0 || a > 7 || c < 0 || c > 7) return false;
        off0.push_back(a);
        off1.push_back(c);
      }
      start.push_back(s);
      base.push_back(b);
      if (s == outW - 8) return true;
    }
  }
};

typedef int v8i __attribute__((vector_size(32)));
typedef int v8i_unaligned __attribute__((vector_size(32), aligned(4), may_alias));

// horizontalLine for windowed taps: same products and sum per element.
[[gnu::always_inline]] inline void windowedLine(const float* r, const WindowedTaps& t,
                                                const float* f, const float* g, float* out) {
  const int blocks = static_cast<int>(t.start.size());
  for (int b = 0; b < blocks; ++b) {
    const int s = t.start[b];
    const v8 v = V8_LOAD(r + t.base[b]);
    const v8i i0 = *reinterpret_cast<const v8i_unaligned*>(&t.off0[8 * size_t(b)]);
    const v8i i1 = *reinterpret_cast<const v8i_unaligned*>(&t.off1[8 * size_t(b)]);
    const v8 a = __builtin_shuffle(v, i0), c = __builtin_shuffle(v, i1);
    V8_STORE(out + s, c * V8_LOAD(f + s) + a * V8_LOAD(g + s));
  }
}

// One output row from two horizontal lines: a*(1-t) + b*t, 8 outputs per vector; the last
// vector ends at n (overlapping its predecessor), rows under 8 wide go through a staging vector.
[[gnu::always_inline]] inline void verticalLerp(const float* a, const float* b, float t, float* o,
                                                int n) {
  const v8 tv = V8_SPLAT(t), sv = V8_SPLAT(1.0f - t);
  if (n < 8) {
    for (int x = 0; x < n; ++x) o[x] = a[x] * (1.0f - t) + b[x] * t;
    return;
  }
  for (int x = 0; x < n; x += 8) {
    const int i = std::min(x, n - 8);
    V8_STORE(o + i, V8_LOAD(a + i) * sv + V8_LOAD(b + i) * tv);
  }
}

}  // namespace

MNNQ_HOT void interp2d(const float* in, int planes, int inH, int inW, const InterpGeometry& g,
                       float* out, int outH, int outW) {
  const size_t inPlane = size_t(inH) * inW, outPlane = size_t(outH) * outW;
  if (g.mode == InterpMode::Nearest || g.mode == InterpMode::NearestRound) {
    const float bias = g.mode == InterpMode::NearestRound ? 0.499f : 0.f;
    std::vector<int> xs(outW), ys(outH);
    for (int x = 0; x < outW; ++x)
      xs[x] = clampi(static_cast<int>(std::floor(x * g.scaleX + g.offsetX + bias)), 0, inW - 1);
    for (int y = 0; y < outH; ++y)
      ys[y] = clampi(static_cast<int>(std::floor(y * g.scaleY + g.offsetY + bias)), 0, inH - 1);
    for (int p = 0; p < planes; ++p)
      for (int y = 0; y < outH; ++y) {
        const float* row = in + p * inPlane + size_t(ys[y]) * inW;
        float* o = out + p * outPlane + size_t(y) * outW;
        for (int x = 0; x < outW; ++x) o[x] = row[xs[x]];
      }
    return;
  }
  if (g.mode == InterpMode::Bilinear) {
    std::vector<int> x0(outW), x1(outW), y0(outH), y1(outH);
    std::vector<float> fx(outW), fy(outH);
    for (int x = 0; x < outW; ++x) {
      const float s = x * g.scaleX + g.offsetX;
      const int xi = static_cast<int>(std::floor(s));
      fx[x] = s - xi;
      x0[x] = clampi(xi, 0, inW - 1);
      x1[x] = clampi(xi + 1, 0, inW - 1);
    }
    for (int y = 0; y < outH; ++y) {
      const float s = y * g.scaleY + g.offsetY;
      const int yi = static_cast<int>(std::floor(s));
      fy[y] = s - yi;
      y0[y] = clampi(yi, 0, inH - 1);
      y1[y] = clampi(yi + 1, 0, inH - 1);
    }
    // Each source row is interpolated horizontally once per plane into one of two cached lines
    // (consecutive output rows mostly share their source rows), then every output row is the
    // vertical lerp of two lines, 8 outputs per vector. Per element the operations and their
    // order are unchanged: a = r[x1]*f + r[x0]*(1-f) per line, o = a*(1-fy) + b*fy.
    const int outW8 = (outW + 7) / 8 * 8;
    std::vector<float> gx(outW);
    for (int x = 0; x < outW; ++x) gx[x] = 1.0f - fx[x];
    float* lines = scratch(0, 2 * size_t(outW8));
    // Upscaling: the two taps of 8 consecutive outputs lie within 8 consecutive source columns,
    // so one vector load and two in-register permutes (vpermps) replace 16 scalar loads. Blocks
    // of 8 outputs start at 0, 8, ... and the last one ends at outW (overlapping); each has the
    // first source column `base` of its load and the taps' offsets from it.
    WindowedTaps taps;
    const bool windowed = taps.plan(x0, x1, inW, outW);
    for (int p = 0; p < planes; ++p) {
      const float* src = in + p * inPlane;
      int cached[2] = {-1, -1};  // source row held by each line, -1: none
      auto slotOf = [&](int row) { return cached[0] == row ? 0 : cached[1] == row ? 1 : -1; };
      for (int y = 0; y < outH; ++y) {
        // The line of y0 goes to the slot not holding y1, and y1's to the slot not holding y0.
        int sa = slotOf(y0[y]);
        if (sa < 0) {
          const int sb = slotOf(y1[y]);
          sa = sb == 0 ? 1 : 0;
          cached[sa] = y0[y];
          const float* r = src + size_t(y0[y]) * inW;
          float* l = lines + size_t(sa) * outW8;
          if (windowed)
            windowedLine(r, taps, fx.data(), gx.data(), l);
          else
            horizontalLine(r, x0.data(), x1.data(), fx.data(), gx.data(), outW, l);
        }
        int sb = slotOf(y1[y]);
        if (sb < 0) {
          sb = 1 - sa;
          cached[sb] = y1[y];
          const float* r = src + size_t(y1[y]) * inW;
          float* l = lines + size_t(sb) * outW8;
          if (windowed)
            windowedLine(r, taps, fx.data(), gx.data(), l);
          else
            horizontalLine(r, x0.data(), x1.data(), fx.data(), gx.data(), outW, l);
        }
        verticalLerp(lines + size_t(sa) * outW8, lines + size_t(sb) * outW8, fy[y],
                     out + p * outPlane + size_t(y) * outW, outW);
      }
    }
    return;
  }
  // Cubic: integer part truncates toward zero, fraction is x - floor(x) (reference behaviour).
  std::vector<int> xp(4 * size_t(outW));
  std::vector<float> wx(4 * size_t(outW));
  for (int x = 0; x < outW; ++x) {
    const float s = x * g.scaleX + g.offsetX;
    const int xi = static_cast<int>(s);
    cubicWeights(static_cast<float>(s - std::floor(s)), &wx[4 * x]);
    for (int k = 0; k < 4; ++k) xp[4 * x + k] = clampi(xi - 1 + k, 0, inW - 1);
  }
  std::vector<float> lines(4 * size_t(outW));
  for (int p = 0; p < planes; ++p) {
    const float* src = in + p * inPlane;
    for (int y = 0; y < outH; ++y) {
      const float s = y * g.scaleY + g.offsetY;
      const int yi = static_cast<int>(s);
      float wy[4];
      cubicWeights(static_cast<float>(s - std::floor(s)), wy);
      for (int k = 0; k < 4; ++k) {
        const float* row = src + size_t(clampi(yi - 1 + k, 0, inH - 1)) * inW;
        float* l = &lines[k * size_t(outW)];
        for (int x = 0; x < outW; ++x) {
          const int* px = &xp[4 * x];
          const float* w = &wx[4 * x];
          l[x] = row[px[0]] * w[0] + row[px[1]] * w[1] + row[px[2]] * w[2] + row[px[3]] * w[3];
        }
      }
      float* o = out + p * outPlane + size_t(y) * outW;
      for (int x = 0; x < outW; ++x)
        o[x] = lines[x] * wy[0] + lines[outW + x] * wy[1] + lines[2 * outW + x] * wy[2] +
               lines[3 * outW + x] * wy[3];
    }
  }
}

}  // namespace mnnq::exec
