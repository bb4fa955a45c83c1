// 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (what MNN's CPU backend also uses for
// these): every 2x2 block of outputs comes from a 4x4 input tile through
//     Y = A' [ (G g G') .* (B' d B) ] A,
// which turns the 36 multiplications of the direct form into 16; summed over input channels,
// the elementwise products become 16 independent GEMMs (output channels x input channels) x
// (input channels x tiles), run by the packed GEMM kernel. Tiles go in blocks sized for the L2
// cache; the input and output transforms work on 8 tiles at a time in vectors.
// F(4x4, 3x3) was tried (36 products per 16 outputs, 1.8x fewer than here): it halved mlsd's
// 64-channel layers, but its rounding moved the ties of mlsd's local-maximum output away from
// MNN's (86% of MNN's peaks found instead of 95%; the model test requires 90%), so not used.
#pragma once

#include "activation.hpp"
#include "conv2d.hpp"
#include "packed_gemm.hpp"

#include <vector>

namespace mnnq::exec {

class Winograd3x3 {
 public:
  // Worth it (and valid): 3x3, stride 1, no dilation, one group, enough channels that the
  // GEMMs dominate the transforms.
  static bool suits(const ConvGeometry& g);

  // weight: [outChannels][inChannels][3][3].
  Winograd3x3(const ConvGeometry& g, const float* weight);

  // One image: in [inChannels][inH][inW] -> out [outChannels][outH][outW].
  void run(const float* in, int inH, int inW, const float* bias, Activation act, float* out,
           int outH, int outW) const;

 private:
  ConvGeometry g_;
  std::vector<PackedMatrix> u_;  // 16 transformed weight matrices, [outChannels x inChannels]
};

}  // namespace mnnq::exec
