#include "conv2d.hpp"

#include "gemm.hpp"

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
}

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

// Column matrix [icg*kY*kX][outH*outW] of one group of one image; zero where the window
// reaches into the padding.
void im2col(const float* in, int icg, int inH, int inW, const ConvGeometry& g, int outH, int outW,
            float* col) {
  const int plane = outH * outW;
  for (int c = 0; c < icg; ++c) {
    const float* src = in + size_t(c) * inH * inW;
    for (int ky = 0; ky < g.kernelY; ++ky) {
      for (int kx = 0; kx < g.kernelX; ++kx) {
        float* dst = col + (size_t(c) * g.kernelY * g.kernelX + ky * g.kernelX + kx) * plane;
        const int xOff = kx * g.dilateX - g.padLeft;
        // Output columns whose input x is inside [0, inW).
        int oxBegin = 0, oxEnd = outW;
        while (oxBegin < outW && oxBegin * g.strideX + xOff < 0) ++oxBegin;
        while (oxEnd > oxBegin && (oxEnd - 1) * g.strideX + xOff >= inW) --oxEnd;
        for (int oy = 0; oy < outH; ++oy) {
          const int iy = oy * g.strideY + ky * g.dilateY - g.padTop;
          float* d = dst + size_t(oy) * outW;
          if (iy < 0 || iy >= inH) {
            std::memset(d, 0, sizeof(float) * outW);
            continue;
          }
          const float* s = src + size_t(iy) * inW;
          for (int ox = 0; ox < oxBegin; ++ox) d[ox] = 0.f;
          if (g.strideX == 1) {
            std::memcpy(d + oxBegin, s + oxBegin + xOff, sizeof(float) * (oxEnd - oxBegin));
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
  const int icg = g_.inChannels / g_.group;
  const int ocg = g_.outChannels / g_.group;
  const int kArea = g_.kernelY * g_.kernelX;
  const int K = icg * kArea;
  const bool pointwise = kArea == 1 && g_.strideX == 1 && g_.strideY == 1 && g_.padTop == 0 &&
                         g_.padLeft == 0 && outH == inH && outW == inW;
  std::vector<float> col;
  if (!pointwise) col.resize(size_t(K) * plane);
  for (int n = 0; n < batch; ++n) {
    const float* img = in + size_t(n) * g_.inChannels * inPlane;
    float* dst = out + size_t(n) * g_.outChannels * plane;
    for (int grp = 0; grp < g_.group; ++grp) {
      const float* src = img + size_t(grp) * icg * inPlane;
      const float* B = src;
      if (!pointwise) {
        im2col(src, icg, inH, inW, g_, outH, outW, col.data());
        B = col.data();
      }
      gemm(false, false, ocg, plane, K, 1.f, weight_.data() + size_t(grp) * ocg * K, K, B, plane,
           0.f, dst + size_t(grp) * ocg * plane, plane);
    }
    biasActivate(dst, g_.outChannels, plane, bias_.data(), act_);
  }
}

}  // namespace mnnq::exec
