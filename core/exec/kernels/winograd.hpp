// 3x3 stride-1 convolution by Winograd's minimal filtering F(m x m, 3x3), m = 2 or 4 (MNN's
// CPU backend uses the same family for these): every m x m block of outputs comes from an
// (m+2)^2 input tile through
//     Y = A' [ (G g G') .* (B' d B) ] A,
// which turns the 9 m^2 multiplications of the direct form into (m+2)^2; summed over input
// channels, the elementwise products become (m+2)^2 independent GEMMs (output channels x input
// channels) x (input channels x tiles), run by the packed GEMM kernel. Tiles go in blocks sized for the L2
// cache; the input and output transforms work on 8 tiles at a time in vectors.
#pragma once

#include "activation.hpp"
#include "conv2d.hpp"
#include "packed_gemm.hpp"

#include <stdexcept>
#include <vector>

namespace mnnq::exec {

class Winograd3x3 {
 public:
  // Worth it (and valid): 3x3, stride 1, no dilation, one group, enough channels that the
  // GEMMs dominate the transforms.
  static bool suits(const ConvGeometry& g);

  // weight: [outChannels][inChannels][3][3]; unit: output tile size, 2 for F(2x2,3x3) or 4 for
  // F(4x4,3x3) (36 products per 16 outputs instead of 16 per 4: 1.8x fewer multiplications).
  // Convolutions use unit 2: unit 4 halves the time of mlsd's 64-channel layers, but its
  // rounding moves the ties of mlsd's local-maximum output away from MNN's (86% of MNN's peaks
  // found instead of 95%; the model test requires 90%).
  Winograd3x3(const ConvGeometry& g, const float* weight, int unit = 2);

  // One image: in [inChannels][inH][inW] -> out [outChannels][outH][outW].
  void run(const float* in, int inH, int inW, const float* bias, Activation act, float* out,
           int outH, int outW) const;

 private:
  ConvGeometry g_;
  int unit_;
  std::vector<PackedMatrix> u_;  // (unit+2)^2 transformed weights, [outChannels x inChannels]
};

}  // namespace mnnq::exec
