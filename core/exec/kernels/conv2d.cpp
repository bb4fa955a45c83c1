#include "conv2d.hpp"

#include "gemm.hpp"
#include "winograd.hpp"
#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mnnq::exec {

Conv2DKernel::Conv2DKernel(const ConvGeometry& geometry, std::vector<float> weight,
                           std::vector<float> bias, Activation activation)
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
  if (!depthwise_ && Winograd3x3::suits(g_)) {
    winograd_ = std::make_unique<Winograd3x3>(g_, weight_.data());
  } else if (!depthwise_) {
    const int ocg = g_.outChannels / g_.group;
    const int K = g_.inChannels / g_.group * g_.kernelY * g_.kernelX;
    for (int grp = 0; grp < g_.group; ++grp)
      packed_.emplace_back(weight_.data() + size_t(grp) * ocg * K, ocg, K, K);
  }
}

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

// Rows [oy0, oy1) of the column matrix of one group of one image: row (c, ky, kx) holds, for
// each of those output pixels, the input value its window reads at that tap (0 in the padding).
// Row stride of `col` is (oy1 - oy0) * outW.
MNNQ_HOT void im2colRows(const float* in, int icg, int inH, int inW, const ConvGeometry& g, int outW,
                int oy0, int oy1, float* col) {
  const int cols = (oy1 - oy0) * outW;
  for (int c = 0; c < icg; ++c) {
    const float* src = in + size_t(c) * inH * inW;
    for (int ky = 0; ky < g.kernelY; ++ky) {
      for (int kx = 0; kx < g.kernelX; ++kx) {
        float* dst = col + (size_t(c) * g.kernelY * g.kernelX + ky * g.kernelX + kx) * cols;
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
  if (winograd_) {
    for (int n = 0; n < batch; ++n)
      winograd_->run(in + size_t(n) * g_.inChannels * inPlane, inH, inW, bias_.data(), act_,
                     out + size_t(n) * g_.outChannels * plane, outH, outW);
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
  float* col = pointwise ? nullptr : scratch(1, size_t(K) * chunkRows * outW);
  for (int n = 0; n < batch; ++n) {
    const float* img = in + size_t(n) * g_.inChannels * inPlane;
    float* dst = out + size_t(n) * g_.outChannels * plane;
    for (int grp = 0; grp < g_.group; ++grp) {
      const float* src = img + size_t(grp) * icg * inPlane;
      float* y = dst + size_t(grp) * ocg * plane;
      const float* b = bias_.data() + size_t(grp) * ocg;
      if (plane < 8) {
        // A few output pixels (e.g. a convolution down to 1x1): the packed kernel works on
        // 16-pixel strips, OpenBLAS's matrix-vector paths waste nothing here.
        const float* B = src;
        if (!pointwise) {
          im2colRows(src, icg, inH, inW, g_, outW, 0, outH, col);
          B = col;
        }
        gemm(false, false, ocg, plane, K, 1.f, weight_.data() + size_t(grp) * ocg * K, K, B, plane,
             0.f, y, plane);
        biasActivate(y, ocg, plane, b, act_);
        continue;
      }
      if (pointwise) {
        gemmBiasAct(packed_[grp], src, plane, plane, b, act_, y, plane);
        continue;
      }
      for (int oy0 = 0; oy0 < outH; oy0 += chunkRows) {
        const int oy1 = std::min(outH, oy0 + chunkRows);
        const int cols = (oy1 - oy0) * outW;
        im2colRows(src, icg, inH, inW, g_, outW, oy0, oy1, col);
        gemmBiasAct(packed_[grp], col, cols, cols, b, act_, y + size_t(oy0) * outW, plane);
      }
    }
  }
}

}  // namespace mnnq::exec
