// 2-D convolution on NCHW float data with weights pre-packed at construction.
// Pointwise (1x1, stride 1, no padding) convolutions are one packed GEMM per image and group,
// reading the input in place; other kernels build im2col panels a few output rows at a time
// (small enough to stay in cache) and multiply them; depthwise convolutions use a dedicated
// direct kernel; stride-1 square kernels use Winograd wherever MNN's cost model does
// (winograd.hpp), with MNN's tile size, so the outputs round as MNN's do.
// Bias and activation are applied as the GEMM stores its results.
#pragma once

#include "activation.hpp"
#include "packed_gemm.hpp"

#include <memory>
#include <vector>

namespace mnnq::exec {

class Winograd;

struct ConvGeometry {
  int kernelY = 1, kernelX = 1;
  int strideY = 1, strideX = 1;
  int dilateY = 1, dilateX = 1;
  int padTop = 0, padLeft = 0;  // bottom/right padding is implied by the output size
  int group = 1;
  int inChannels = 0, outChannels = 0;
};

class Conv2DKernel {
 public:
  // weight: [outChannels][inChannels/group][kernelY][kernelX]; bias: [outChannels] or empty.
  // outH/outW: the output size the model plans (MNN picks the algorithm from it); 0 = unknown,
  // no Winograd.
  Conv2DKernel(const ConvGeometry& geometry, std::vector<float> weight, std::vector<float> bias,
               Activation activation, int outH = 0, int outW = 0);
  ~Conv2DKernel();

  // in: [batch][inChannels][inH][inW]; out: [batch][outChannels][outH][outW].
  void run(const float* in, int batch, int inH, int inW, float* out, int outH, int outW) const;

  const ConvGeometry& geometry() const { return g_; }
  bool isDepthwise() const { return depthwise_; }
  // Winograd output tile size in use (2, 4, 6), 0 for the GEMM paths.
  int winogradUnit() const;

 private:
  ConvGeometry g_;
  std::vector<float> weight_;         // as given (depthwise: [channels][kY][kX])
  std::vector<PackedMatrix> packed_;  // other convolutions: one [ocg x icg*kY*kX] per group
  std::vector<Winograd> winograd_;    // one per group where MNN would use Winograd
  std::vector<float> bias_;
  Activation act_;
  bool depthwise_;
};

// Adds bias per channel and applies the activation on [channels][plane] data.
void biasActivate(float* data, int channels, int plane, const float* bias, Activation act);

// Depthwise convolution of one image: channel c of `out` from channel c of `in` with its own
// kernelY x kernelX filter (weight [channels][kernelY][kernelX]).
void depthwiseConv(const float* in, int channels, int inH, int inW, const float* weight,
                   const float* bias, const ConvGeometry& g, float* out, int outH, int outW,
                   Activation act);

}  // namespace mnnq::exec
