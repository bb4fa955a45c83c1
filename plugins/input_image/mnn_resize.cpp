#include "mnn_resize.hpp"

#include "multiversion.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace mnnq::input {
namespace {

constexpr int kTilePixels = 512;  // MNN's CACHE_SIZE

// MNN's max(min(v, hi), lo); a NaN position (never produced by calibrationMatrix) maps to lo
// instead of an out-of-bounds read.
float clampTo(float v, float lo, float hi) {
  if (!(v > lo)) return lo;
  return v > hi ? hi : v;
}

// Four bytes as one int32 (scalar: may be called from either clone).
inline int32_t loadBytes(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// The source columns of one tile: for each output pixel, the two neighbouring columns and the
// fraction. They depend only on the tile's first x position and x step, which are the same for
// every row of a plain resize, so they are computed once and reused while those two floats (and
// the pixel count) are bit for bit the same.
struct ColumnTaps {
  float start = 0.0f, step = 0.0f;
  int count = -1;
  std::vector<int> left, right;  // byte offsets (4 * column)
  std::vector<float> fraction;

  bool matches(float x0, float dx, int n) const {
    return n == count && std::memcmp(&x0, &start, sizeof x0) == 0 &&
           std::memcmp(&dx, &step, sizeof dx) == 0;
  }
  void compute(float x0, float dx, int n, int iw) {
    start = x0, step = dx, count = n;
    left.resize(n), right.resize(n), fraction.resize(n);
    const float xMax = static_cast<float>(iw - 1);
    float cur = x0;
    for (int i = 0; i < n; ++i) {
      const float x = clampTo(cur, 0, xMax);
      const int xa = static_cast<int>(x);
      // ceil of a clamped (finite, >= 0) position: the truncation, plus 1 if it dropped a fraction.
      const int xb = std::min(xa + (static_cast<float>(xa) < x ? 1 : 0), iw - 1);
      left[i] = 4 * xa;
      right[i] = 4 * xb;
      fraction[i] = x - static_cast<float>(xa);
      cur += dx;
    }
  }
};

// One tile of output pixels whose source rows start at y0 and step by dy (accumulated pixel by
// pixel, like the columns). The four channels of a pixel are computed side by side in one
// 4-float vector, each lane with MNN's scalar operations in the same order (products, then sums
// left to right; this file is compiled without FMA contraction), so the bytes are those of a
// per-channel loop.
MNNQ_PLUGIN_HOT void sampleTile(const uint8_t* src, int iw, int ih, float y0, float dy,
                                const ColumnTaps& columns, uint8_t* dst) {
  typedef float f4 __attribute__((vector_size(16)));
  typedef int32_t i4 __attribute__((vector_size(16)));
  typedef uint8_t b16 __attribute__((vector_size(16)));
  typedef uint16_t h8 __attribute__((vector_size(16)));
  const float yMax = static_cast<float>(ih - 1);
  const std::size_t stride = static_cast<std::size_t>(iw) * 4;
  const f4 lo = {0.0f, 0.0f, 0.0f, 0.0f};
  const f4 hi = {255.0f, 255.0f, 255.0f, 255.0f};
  const b16 zero = {};
  const h8 zero16 = {};
  // Widening is two interleaves with zero (bytes -> 16 bits -> 32 bits), narrowing one byte
  // shuffle: single instructions, where element-wise conversions went through scalar registers.
  const b16 bytes_lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
  const h8 words_lo = {0, 8, 1, 9, 2, 10, 3, 11};
  const b16 narrow = {0, 4, 8, 12, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16};
  // (No helper function: vector values must not cross a call into the other clone.)
#define MNNQ_PIXEL(p)                                                                       \
  __builtin_convertvector(                                                                \
      (i4)__builtin_shuffle(                                                              \
          (h8)__builtin_shuffle((b16)(i4){loadBytes(p), 0, 0, 0}, zero, bytes_lo), zero16,  \
          words_lo),                                                                      \
      f4)
  float cur = y0;
  for (int i = 0; i < columns.count; ++i) {
    const float y = clampTo(cur, 0, yMax);
    const int ya = static_cast<int>(y);
    const int yb = std::min(ya + (static_cast<float>(ya) < y ? 1 : 0), ih - 1);
    const float fy = y - static_cast<float>(ya);
    const float fx = columns.fraction[i];
    const uint8_t* row_a = src + ya * stride;
    const uint8_t* row_b = src + yb * stride;
    const float w00 = (1.0f - fx) * (1.0f - fy);
    const float w01 = fx * (1.0f - fy);
    const float w10 = fy * (1.0f - fx);
    const float w11 = fx * fy;
    f4 v = w00 * MNNQ_PIXEL(row_a + columns.left[i]);
    v = v + w01 * MNNQ_PIXEL(row_a + columns.right[i]);
    v = v + w10 * MNNQ_PIXEL(row_b + columns.left[i]);
    v = v + w11 * MNNQ_PIXEL(row_b + columns.right[i]);
    v = v < hi ? v : hi;  // std::min(v, 255.0f) for the non-NaN sums here
    v = v > lo ? v : lo;  // std::max(.., 0.0f)
    // Truncation, like _mm_round_ps(v, _MM_FROUND_TO_ZERO), then the byte.
    const i4 bytes = (i4)__builtin_shuffle((b16)__builtin_convertvector(v, i4), zero, narrow);
    const int32_t out = bytes[0];
    std::memcpy(dst + 4 * i, &out, 4);
    cur += dy;
  }
#undef MNNQ_PIXEL
}

}  // namespace

void resizeRgbaLikeMnn(const uint8_t* src, int iw, int ih, const MnnMatrix& transform, int ow,
                       int oh, uint8_t* dst) {
  const bool copyOnly = transform.isIdentity() && iw >= ow && ih >= oh;
  const std::size_t srcStride = static_cast<std::size_t>(iw) * 4;
  std::vector<ColumnTaps> columns((ow + kTilePixels - 1) / kTilePixels);
  for (int dy = 0; dy < oh; ++dy) {
    uint8_t* row = dst + static_cast<std::size_t>(dy) * ow * 4;
    for (int xStart = 0; xStart < ow; xStart += kTilePixels) {
      const int count = std::min(kTilePixels, ow - xStart);
      PointF p[2] = {{float(xStart), float(dy)}, {float(xStart + count), float(dy)}};
      transform.mapPoints(p, 2);
      if (copyOnly) {
        const int y = static_cast<int>(std::round(clampTo(p[0].y, 0, float(ih - 1))));
        const int x = static_cast<int>(std::round(clampTo(p[0].x, 0, float(iw - 1))));
        std::memcpy(row + 4 * xStart, src + y * srcStride + 4 * x, 4 * std::size_t(count));
        continue;
      }
      const PointF step = {(p[1].x - p[0].x) / float(count), (p[1].y - p[0].y) / float(count)};
      ColumnTaps& tile = columns[xStart / kTilePixels];
      if (!tile.matches(p[0].x, step.x, count)) tile.compute(p[0].x, step.x, count, iw);
      sampleTile(src, iw, ih, p[0].y, step.y, tile, row + 4 * xStart);
    }
  }
}

}  // namespace mnnq::input
