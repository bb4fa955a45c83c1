#include "conv2d.hpp"

#include "gemm.hpp"
#include "padded_plane.hpp"
#include "winograd.hpp"
#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mnnq::exec {

Conv2DKernel::Conv2DKernel(const ConvGeometry& geometry, std::vector<float> weight,
                           std::vector<float> bias, Activation activation, int outH, int outW)
    : g_(geometry), weight_(std::move(weight)), bias_(std::move(bias)), act_(activation) {
  initGemm();
  if (g_.group <= 0 || g_.inChannels % g_.group != 0 || g_.outChannels % g_.group != 0)
    throw std::invalid_argument("convolution: channels not divisible by group");
  const size_t expected = size_t(g_.outChannels) * (g_.inChannels / g_.group) * g_.kernelY * g_.kernelX;
  if (weight_.size() != expected)
    throw std::invalid_argument("convolution: weight has " + std::to_string(weight_.size()) +
                                " values, expected " + std::to_string(expected));
  if (!bias_.empty() && bias_.size() != size_t(g_.outChannels))
    throw std::invalid_argument("convolution: bias size does not match output channels");
  if (bias_.empty()) bias_.assign(g_.outChannels, 0.f);
  depthwise_ = g_.group == g_.inChannels && g_.group == g_.outChannels && g_.group > 1;
  if (depthwise_) return;
  const int ocg = g_.outChannels / g_.group;
  const int K = g_.inChannels / g_.group * g_.kernelY * g_.kernelX;
  // MNN splits grouped convolutions into one convolution per group and picks each one's
  // algorithm (Winograd tile size or im2col GEMM) by its cost model.
  ConvGeometry one = g_;
  one.group = 1;
  one.inChannels = g_.inChannels / g_.group;
  one.outChannels = ocg;
  // On every size: layers with few output tiles (rfb320's 4x5 heads, 2 tiles; mnist's 8x8
  // F(4x4,5x5) layer, 4) take Winograd's path vectorised over channels (winograd.hpp), faster
  // there than im2col was (0.048 -> 0.017 ms for a 256 -> 6 head) and rounding as MNN does.
  const int unit = mnnWinogradUnit(one, outH, outW);
  if (unit) {
    for (int grp = 0; grp < g_.group; ++grp)
      winograd_.emplace_back(one, unit, weight_.data() + size_t(grp) * ocg * K,
                             winogradTiles(unit, outH, outW));
    return;
  }
  // Columns in MNN's order (kernel tap major, input channel minor), so that the GEMM sums the
  // products in the same order: W'[o][tap * icg + c] = W[o][c][tap].
  const int icg = g_.inChannels / g_.group, taps = g_.kernelY * g_.kernelX;
  std::vector<float> reordered(size_t(ocg) * K);
  for (int grp = 0; grp < g_.group; ++grp) {
    const float* w = weight_.data() + size_t(grp) * ocg * K;
    for (int o = 0; o < ocg; ++o)
      for (int c = 0; c < icg; ++c)
        for (int t = 0; t < taps; ++t)
          reordered[size_t(o) * K + size_t(t) * icg + c] = w[size_t(o) * K + size_t(c) * taps + t];
    packed_.emplace_back(reordered.data(), ocg, K, K);
  }
}

int Conv2DKernel::winogradUnit() const { return winograd_.empty() ? 0 : winograd_[0].unit(); }

Conv2DKernel::~Conv2DKernel() = default;

void biasActivate(float* data, int channels, int plane, const float* bias, Activation act) {
  for (int c = 0; c < channels; ++c) {
    float* p = data + size_t(c) * plane;
    const float b = bias ? bias[c] : 0.f;
    switch (act) {
      case Activation::None:
        for (int i = 0; i < plane; ++i) p[i] += b;
        break;
      case Activation::Relu:
        for (int i = 0; i < plane; ++i) p[i] = std::max(p[i] + b, 0.f);
        break;
      case Activation::Relu6:
        for (int i = 0; i < plane; ++i) p[i] = std::min(std::max(p[i] + b, 0.f), 6.f);
        break;
    }
  }
}

namespace {

// Rows [oy0, oy1) of the column matrix of one group of one image: row (ky, kx, c) holds, for
// each of those output pixels, the input value its window reads at that tap (0 in the padding).
// Row stride of `col` is (oy1 - oy0) * outW.
MNNQ_HOT void im2colRows(const float* in, int icg, int inH, int inW, const ConvGeometry& g, int outW,
                int oy0, int oy1, float* col) {
  const int cols = (oy1 - oy0) * outW;
  for (int c = 0; c < icg; ++c) {
    const float* src = in + size_t(c) * inH * inW;
    for (int ky = 0; ky < g.kernelY; ++ky) {
      for (int kx = 0; kx < g.kernelX; ++kx) {
        float* dst = col + (size_t(ky * g.kernelX + kx) * icg + c) * cols;
        const int xOff = kx * g.dilateX - g.padLeft;
        // Output columns whose input x is inside [0, inW).
        int oxBegin = 0, oxEnd = outW;
        if (xOff < 0) oxBegin = std::min(outW, (-xOff + g.strideX - 1) / g.strideX);
        if ((outW - 1) * g.strideX + xOff >= inW)
          oxEnd = std::max(oxBegin, inW - xOff <= 0 ? 0 : (inW - xOff - 1) / g.strideX + 1);
        for (int oy = oy0; oy < oy1; ++oy) {
          const int iy = oy * g.strideY + ky * g.dilateY - g.padTop;
          float* d = dst + size_t(oy - oy0) * outW;
          if (iy < 0 || iy >= inH) {
            for (int ox = 0; ox < outW; ++ox) d[ox] = 0.f;
            continue;
          }
          const float* s = src + size_t(iy) * inW;
          for (int ox = 0; ox < oxBegin; ++ox) d[ox] = 0.f;
          // Rows are often a handful of floats: vector moves without a call or loop set-up.
          if (g.strideX == 1) {
            float* dd = d + oxBegin;
            const float* ss = s + oxBegin + xOff;
            int n = oxEnd - oxBegin;
            for (; n >= 8; n -= 8, dd += 8, ss += 8) V8_STORE(dd, V8_LOAD(ss));
            for (; n > 0; --n) *dd++ = *ss++;
          } else if (g.strideX == 2) {
            for (int ox = oxBegin; ox < oxEnd; ++ox) d[ox] = s[2 * ox + xOff];
          } else {
            for (int ox = oxBegin; ox < oxEnd; ++ox) d[ox] = s[ox * g.strideX + xOff];
          }
          for (int ox = oxEnd; ox < outW; ++ox) d[ox] = 0.f;
        }
      }
    }
  }
}

// The same rows of the column matrix for stride-1 (in x) convolutions with narrow outputs
// (outW < 16), such as rfb320's 256-channel heads on 4x5 pixels: there im2colRows spends more
// on bounds and loop set-up per 5-float row than on copying (63 % of those layers). Here every
// channel's rows are first copied once into a zero-bordered plane, after which each output row
// of each tap is one unchecked vector copy (8 floats: the excess lands on the next row, written
// after it, so the column matrix is filled in memory order and `col` needs 8 spare floats).
MNNQ_HOT void im2colRowsNarrow(const float* in, int icg, int inH, int inW, const ConvGeometry& g,
                               int outW, int oy0, int oy1, float* col) {
  const int cols = (oy1 - oy0) * outW;
  PaddedPlane p;
  p.rows = (oy1 - oy0 - 1) * g.strideY + (g.kernelY - 1) * g.dilateY + 1;
  p.width = outW + (g.kernelX - 1) * g.dilateX + 8;  // + 8: vector reads past the last column
  float* planes = scratch(2, size_t(icg) * p.size());
  for (int c = 0; c < icg; ++c) {
    PaddedPlane pc = p;
    pc.data = planes + size_t(c) * p.size();
    // Padded row r holds input row oy0 * strideY - padTop + r.
    fillPlane(in + size_t(c) * inH * inW, inH, inW, g.padTop - oy0 * g.strideY, g.padLeft, pc);
  }
  float* dst = col;
  for (int ky = 0; ky < g.kernelY; ++ky)
    for (int kx = 0; kx < g.kernelX; ++kx)
      for (int c = 0; c < icg; ++c) {
        const float* src = planes + size_t(c) * p.size() + size_t(ky * g.dilateY) * p.width + kx * g.dilateX;
        for (int oy = 0; oy < oy1 - oy0; ++oy) {
          const float* s = src + size_t(oy) * g.strideY * p.width;
          float* d = dst + size_t(oy) * outW;
          V8_STORE(d, V8_LOAD(s));
          if (outW > 8) V8_STORE(d + outW - 8, V8_LOAD(s + outW - 8));
        }
        dst += cols;
      }
}

}  // namespace

void Conv2DKernel::run(const float* in, int batch, int inH, int inW, float* out, int outH,
                       int outW) const {
  const int plane = outH * outW;
  const int inPlane = inH * inW;
  if (depthwise_) {
    for (int n = 0; n < batch; ++n)
      depthwiseConv(in + size_t(n) * g_.inChannels * inPlane, g_.inChannels, inH, inW,
                    weight_.data(), bias_.data(), g_, out + size_t(n) * g_.outChannels * plane,
                    outH, outW, act_);
    return;
  }
  if (!winograd_.empty()) {
    const int icg = g_.inChannels / g_.group, ocg = g_.outChannels / g_.group;
    for (int grp = 0; grp < g_.group; ++grp)
      winograd_[grp].run(in + size_t(grp) * icg * inPlane, batch, size_t(g_.inChannels) * inPlane,
                         inH, inW, bias_.data() + size_t(grp) * ocg, act_,
                         out + size_t(grp) * ocg * plane, size_t(g_.outChannels) * plane, outH, outW);
    return;
  }
  const int icg = g_.inChannels / g_.group;
  const int ocg = g_.outChannels / g_.group;
  const int K = icg * g_.kernelY * g_.kernelX;
  const bool pointwise = g_.kernelY == 1 && g_.kernelX == 1 && g_.strideX == 1 &&
                         g_.strideY == 1 && g_.padTop == 0 && g_.padLeft == 0 && outH == inH &&
                         outW == inW;
  // im2col panels of about 128 KiB (whole output rows), so the GEMM re-reads them from cache.
  const int chunkRows = plane < 8 ? outH : std::max(1, std::min(outH, int((128 * 1024 / 4) / (size_t(K) * outW))));
  const bool narrow = !pointwise && g_.strideX == 1 && outW < 16;
  float* col = pointwise ? nullptr : scratch(1, size_t(K) * chunkRows * outW + 8);
  for (int n = 0; n < batch; ++n) {
    const float* img = in + size_t(n) * g_.inChannels * inPlane;
    float* dst = out + size_t(n) * g_.outChannels * plane;
    for (int grp = 0; grp < g_.group; ++grp) {
      const float* src = img + size_t(grp) * icg * inPlane;
      float* y = dst + size_t(grp) * ocg * plane;
      const float* b = bias_.data() + size_t(grp) * ocg;
      // MNN numbers the output pixels of the whole batch for its GEMM blocks.
      const int first = n * plane, total = batch * plane;
      if (pointwise) {
        gemmMnnRounding(packed_[grp], src, plane, plane, first, total, b, act_, y, plane);
        continue;
      }
      for (int oy0 = 0; oy0 < outH; oy0 += chunkRows) {
        const int oy1 = std::min(outH, oy0 + chunkRows);
        const int cols = (oy1 - oy0) * outW;
        if (narrow) im2colRowsNarrow(src, icg, inH, inW, g_, outW, oy0, oy1, col);
        else im2colRows(src, icg, inH, inW, g_, outW, oy0, oy1, col);
        gemmMnnRounding(packed_[grp], col, cols, cols, first + oy0 * outW, total, b, act_,
                        y + size_t(oy0) * outW, plane);
      }
    }
  }
}

}  // namespace mnnq::exec
