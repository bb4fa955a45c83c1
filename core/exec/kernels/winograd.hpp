// Stride-1 square convolutions by Winograd's minimal filtering F(u x u, k x k), chosen and
// computed the way MNN's CPU backend does on x86 AVX2 (ConvolutionPackWinograd, MNN 3.6), so
// that mnnq's float outputs round like MNN's and not merely approximate the same sums:
//  - which layers and which output tile u: MNN's cost model (mnnWinogradUnit below); tiles of
//    alpha = u + k - 1 inputs with alpha in {4, 6, 8}, i.e. F(2,3), F(4,3), F(6,3), F(2,5),
//    F(4,5), F(2,7);
//  - the transform family: interpolation points 0, 1, -1, 2, -2, 3, -3 and infinity, the
//    normalising factors divided into G (weights) and multiplied into B' (input side);
//  - the arithmetic, operation by operation: weights transformed in float as G g G' with
//    plain sums; input tiles transformed along x, then along y (MNN's hand-written expressions,
//    with the variant it uses for tiles in full blocks of 24 and the one for the rest), no FMA
//    contraction; the products summed over input channels in order with FMA (as MNN's AVX2
//    GEMM); outputs transformed along y, then x, then the bias added and the activation applied.
// Each of the alpha^2 elementwise products, summed over input channels, is one GEMM
// (output channels x input channels) x (input channels x tiles) run by the packed GEMM kernel.
#pragma once

#include "activation.hpp"
#include "conv2d.hpp"
#include "packed_gemm.hpp"

#include <vector>

namespace mnnq::exec {

// MNN's choice for a convolution of one group with this geometry and output size on one
// thread: the output tile size u (2, 4 or 6), or 0 for its im2col/GEMM path. 0 as well for
// shapes MNN would compute with Winograd but mnnq does not implement (even kernel sizes).
int mnnWinogradUnit(const ConvGeometry& g, int outH, int outW);

// G of MNN's WinogradGenerater(unit, k, 1, dividedInG = true) for one axis, [alpha][k] row
// major: interpolation points 0, 1, -1, 2, -2, ... and infinity, G[x][y] = p_x^y / f_x with
// f_x = prod over the other finite points of (p_x - p_i) (|f_0|), last row 0 .. 0 1, all in
// float as MNN computes it. Shared by the float kernel and the int8 Winograd simulation.
std::vector<float> winogradMatrixG(int alpha, int k);

// Output tiles of one image: ceil(outH / unit) * ceil(outW / unit), the N of each of the
// alpha^2 GEMMs.
int winogradTiles(int unit, int outH, int outW);

// Images with fewer output tiles than this are computed vectorised over channels instead of
// tiles: the input transform over input channels (from a channel-minor copy of the input), the
// GEMMs and the output transform over output channels (a second copy of the weights,
// RowVectorMatrix). Same arithmetic per output.
constexpr int kRowVectorTiles = 16;

class Winograd {
 public:
  // g: one group (group == 1); weight: [outChannels][inChannels][k][k]; unit from
  // mnnWinogradUnit (2, 4 or 6 with k + unit - 1 in {4, 6, 8}). plannedTiles: output tiles
  // per image of the planned output size (0 = unknown); below kRowVectorTiles the weights are
  // also kept vectorised over output channels.
  Winograd(const ConvGeometry& g, int unit, const float* weight, int plannedTiles = 0);

  int unit() const { return unit_; }

  // Images of one batch: in [batch][inChannels][inH][inW] -> out [batch][outChannels][outH][outW],
  // consecutive images `imageStrideIn` / `imageStrideOut` floats apart.
  void run(const float* in, int batch, size_t imageStrideIn, int inH, int inW, const float* bias,
           Activation act, float* out, size_t imageStrideOut, int outH, int outW) const;

 private:
  ConvGeometry g_;
  int unit_, alpha_;
  std::vector<PackedMatrix> u_;  // alpha^2 transformed weight matrices, [outChannels x inChannels]
  std::vector<RowVectorMatrix> rowVectorU_;  // the same for few tiles, or empty
};

}  // namespace mnnq::exec
