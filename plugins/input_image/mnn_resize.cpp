#include "mnn_resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mnnq::input {
namespace {

constexpr int kTilePixels = 512;  // MNN's CACHE_SIZE

// MNN's max(min(v, hi), lo); a NaN position (never produced by calibrationMatrix) maps to lo
// instead of an out-of-bounds read.
float clampTo(float v, float lo, float hi) {
  if (!(v > lo)) return lo;
  return v > hi ? hi : v;
}

// One tile of `count` output pixels starting at source position `start`, stepping by `step`.
void sampleTile(const uint8_t* src, int iw, int ih, PointF start, PointF step, int count,
                uint8_t* dst) {
  const float xMax = static_cast<float>(iw - 1);
  const float yMax = static_cast<float>(ih - 1);
  const std::size_t stride = static_cast<std::size_t>(iw) * 4;
  PointF cur = start;
  for (int i = 0; i < count; ++i) {
    const float y = clampTo(cur.y, 0, yMax);
    const float x = clampTo(cur.x, 0, xMax);
    const int ya = static_cast<int>(y);
    const int xa = static_cast<int>(x);
    const int yb = std::min(static_cast<int>(std::ceil(y)), ih - 1);
    const int xb = std::min(static_cast<int>(std::ceil(x)), iw - 1);
    const float fx = x - static_cast<float>(xa);
    const float fy = y - static_cast<float>(ya);
    const uint8_t* p00 = src + ya * stride + 4 * xa;
    const uint8_t* p01 = src + ya * stride + 4 * xb;
    const uint8_t* p10 = src + yb * stride + 4 * xa;
    const uint8_t* p11 = src + yb * stride + 4 * xb;
    uint8_t* out = dst + 4 * i;
    const float w00 = (1.0f - fx) * (1.0f - fy);
    const float w01 = fx * (1.0f - fy);
    const float w10 = fy * (1.0f - fx);
    const float w11 = fx * fy;
    for (int c = 0; c < 4; ++c) {
      float v = w00 * static_cast<float>(p00[c]);
      v = v + w01 * static_cast<float>(p01[c]);
      v = v + w10 * static_cast<float>(p10[c]);
      v = v + w11 * static_cast<float>(p11[c]);
      v = std::max(std::min(v, 255.0f), 0.0f);
      out[c] = static_cast<uint8_t>(v);  // truncation, like _mm_round_ps(v, _MM_FROUND_TO_ZERO)
    }
    cur.y += step.y;
    cur.x += step.x;
  }
}

}  // namespace

void resizeRgbaLikeMnn(const uint8_t* src, int iw, int ih, const MnnMatrix& transform, int ow,
                       int oh, uint8_t* dst) {
  const bool copyOnly = transform.isIdentity() && iw >= ow && ih >= oh;
  const std::size_t srcStride = static_cast<std::size_t>(iw) * 4;
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
      sampleTile(src, iw, ih, p[0], step, count, row + 4 * xStart);
    }
  }
}

}  // namespace mnnq::input
