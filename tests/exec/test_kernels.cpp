// Kernel tests against hand-derived values and an independent naive convolution written here.
#include "../../core/exec/kernels/conv2d.hpp"
#include "../../core/exec/kernels/elementwise.hpp"
#include "../../core/exec/kernels/interp.hpp"
#include "../../core/exec/kernels/pooling.hpp"
#include "../../core/exec/kernels/winograd.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace mnnq::exec;

namespace {

// Textbook direct convolution, the definition the fast kernels must agree with.
std::vector<float> naiveConv(const std::vector<float>& in, int N, int C, int H, int W,
                             const std::vector<float>& w, const std::vector<float>& bias,
                             const ConvGeometry& g, int OH, int OW) {
  const int icg = g.inChannels / g.group, ocg = g.outChannels / g.group;
  std::vector<float> out(size_t(N) * g.outChannels * OH * OW);
  for (int n = 0; n < N; ++n)
    for (int oc = 0; oc < g.outChannels; ++oc) {
      const int grp = oc / ocg;
      for (int oy = 0; oy < OH; ++oy)
        for (int ox = 0; ox < OW; ++ox) {
          double acc = bias.empty() ? 0 : bias[oc];
          for (int ic = 0; ic < icg; ++ic)
            for (int ky = 0; ky < g.kernelY; ++ky)
              for (int kx = 0; kx < g.kernelX; ++kx) {
                const int iy = oy * g.strideY - g.padTop + ky * g.dilateY;
                const int ix = ox * g.strideX - g.padLeft + kx * g.dilateX;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += double(in[((size_t(n) * C + grp * icg + ic) * H + iy) * W + ix]) *
                       w[((size_t(oc) * icg + ic) * g.kernelY + ky) * g.kernelX + kx];
              }
          out[((size_t(n) * g.outChannels + oc) * OH + oy) * OW + ox] = float(acc);
        }
    }
  (void)C;
  return out;
}

std::vector<float> randomVec(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

// Runs the kernel as the executor does (it picks MNN's algorithm for this output size) and
// returns the Winograd tile it used. Winograd with larger tiles rounds more (F(6x6,3x3) with
// MNN's points +-1, +-2, +-3: ~1e-3 of the output range), hence the tolerance argument.
int checkConv(ConvGeometry g, int N, int H, int W, int OH, int OW, unsigned seed, double tol = 1e-4) {
  const auto in = randomVec(size_t(N) * g.inChannels * H * W, seed);
  const auto w = randomVec(size_t(g.outChannels) * (g.inChannels / g.group) * g.kernelY * g.kernelX, seed + 1);
  const auto b = randomVec(g.outChannels, seed + 2);
  Conv2DKernel k(g, w, b, Activation::None, OH, OW);
  std::vector<float> out(size_t(N) * g.outChannels * OH * OW);
  k.run(in.data(), N, H, W, out.data(), OH, OW);
  const auto ref = naiveConv(in, N, g.inChannels, H, W, w, b, g, OH, OW);
  for (size_t i = 0; i < out.size(); ++i) REQUIRE(out[i] == Approx(ref[i]).margin(tol));
  return k.winogradUnit();
}

}  // namespace

TEST_CASE("convolution kernels agree with the direct definition") {
  ConvGeometry g;
  SECTION("pointwise GEMM") {
    g.inChannels = 5; g.outChannels = 7;
    checkConv(g, 2, 6, 5, 6, 5, 1);
  }
  SECTION("3x3 stride 2 padded, im2col") {
    g.inChannels = 3; g.outChannels = 4; g.kernelY = g.kernelX = 3; g.strideY = g.strideX = 2;
    g.padTop = g.padLeft = 1;
    checkConv(g, 1, 9, 8, 5, 4, 2);
  }
  SECTION("grouped with dilation") {
    g.inChannels = 4; g.outChannels = 6; g.group = 2; g.kernelY = 3; g.kernelX = 2;
    g.dilateY = 2; g.dilateX = 2; g.padTop = 2; g.padLeft = 1;
    checkConv(g, 1, 7, 7, 7, 7, 3);
  }
  SECTION("depthwise 3x3 stride 1 and 2, 5x5") {
    g.inChannels = g.outChannels = g.group = 6; g.kernelY = g.kernelX = 3; g.padTop = g.padLeft = 1;
    checkConv(g, 2, 10, 11, 10, 11, 4);
    g.strideY = g.strideX = 2;
    checkConv(g, 1, 10, 11, 5, 6, 5);
    g.kernelY = g.kernelX = 5; g.padTop = g.padLeft = 2; g.strideY = g.strideX = 1;
    checkConv(g, 1, 4, 3, 4, 3, 6);  // image smaller than the kernel: all border
    g.strideY = g.strideX = 2;
    checkConv(g, 1, 21, 37, 11, 19, 7);  // 16-wide vectors, 8-wide and scalar tails
    g.strideY = g.strideX = 1;
    checkConv(g, 1, 7, 70, 7, 70, 29);  // 5x5 rows of 32 per pass, then 16, 8 (overlapping)
    g.strideY = g.strideX = 2;
    checkConv(g, 1, 8, 133, 4, 67, 30);
    g.kernelY = g.kernelX = 7; g.padTop = g.padLeft = 3;
    checkConv(g, 1, 9, 20, 5, 10, 8);
    g.kernelY = g.kernelX = 3; g.padTop = g.padLeft = 2; g.strideY = g.strideX = 1;
    g.dilateY = g.dilateX = 2;  // generic path
    checkConv(g, 1, 9, 20, 9, 20, 9);
  }
  SECTION("packed GEMM: row blocks of 6 and strips of 16 with remainders") {
    g.inChannels = 37; g.outChannels = 23;
    checkConv(g, 1, 5, 7, 5, 7, 10);  // 35 pixels: two strips and a partial one
    g.kernelY = g.kernelX = 5; g.strideY = g.strideX = 2; g.padTop = 1; g.padLeft = 2;
    checkConv(g, 1, 11, 13, 5, 7, 11);
    g.kernelY = g.kernelX = 1; g.strideY = g.strideX = 1; g.padTop = g.padLeft = 0;
    checkConv(g, 1, 1, 3, 1, 3, 12);  // fewer than 8 pixels: matrix-vector path
  }
  SECTION("narrow outputs (< 16 columns, stride 1 in x): im2col from a padded plane") {
    // Vertical stride and dilation, asymmetric padding; 12 and 5 output columns (one vector
    // plus an overlapping one, and less than one vector).
    g.inChannels = 9; g.outChannels = 10; g.kernelY = 3; g.kernelX = 2; g.strideY = 2;
    g.dilateY = 2; g.dilateX = 3; g.padTop = 2; g.padLeft = 1;
    checkConv(g, 2, 11, 12, 6, 12, 24);
    checkConv(g, 1, 7, 5, 4, 5, 25);
    g.padTop = 0; g.padLeft = 0;  // valid: input wider than the columns the windows reach
    checkConv(g, 1, 9, 13, 3, 5, 26);
  }
  SECTION("Winograd: every tile size MNN picks, odd and even sizes, padding, tile blocks") {
    // Expected tiles from MNN's cost model evaluated by hand (rates in the comments).
    g.inChannels = 24; g.outChannels = 20; g.kernelY = g.kernelX = 3; g.padTop = g.padLeft = 1;
    CHECK(checkConv(g, 2, 9, 13, 9, 13, 13) == 4);  // F(4) 1.545 > F(6) 1.492; batch of 2
    CHECK(checkConv(g, 1, 40, 38, 40, 38, 14) == 4);  // several tile blocks
    CHECK(checkConv(g, 1, 3, 5, 3, 5, 15) == 2);  // maxUnit 3: F(2) 1.061
    g.padTop = g.padLeft = 0;
    CHECK(checkConv(g, 1, 12, 12, 10, 10, 16, 5e-3) == 6);  // valid padding; F(6) 1.913
    g.padTop = g.padLeft = 1; g.inChannels = 3; g.outChannels = 4;
    CHECK(checkConv(g, 1, 6, 6, 6, 6, 17) == 0);  // every rate below 1: im2col
    g.kernelY = g.kernelX = 5; g.padTop = g.padLeft = 2; g.inChannels = 16; g.outChannels = 12;
    CHECK(checkConv(g, 1, 7, 9, 7, 9, 18, 5e-3) == 4);  // F(4x4,5x5) 2.009
    CHECK(checkConv(g, 1, 3, 3, 3, 3, 19) == 0);  // 16 -> 12: F(2x2,5x5) 0.9375, im2col
    g.outChannels = 16;
    CHECK(checkConv(g, 1, 3, 3, 3, 3, 19) == 2);  // 16 -> 16: F(2x2,5x5) 1.014
    g.outChannels = 12;
    g.kernelY = g.kernelX = 7; g.padTop = g.padLeft = 3;
    CHECK(checkConv(g, 1, 12, 13, 12, 13, 20, 1e-2) == 2);  // F(2x2,7x7) 1.56, ~6e-4 of range
  }
  SECTION("few Winograd tiles (vectorised over channels): MNN's Winograd on any size") {
    // rfb320's heads: 4x5 outputs, MNN's F(4x4,3x3) with 2 tiles; a batch of 3 (6 tiles: MNN
    // sums the last one's products in 4 parts) and of 13 (26 tiles: a full block of 24 takes
    // the other input transform form).
    g.inChannels = 256; g.outChannels = 12; g.kernelY = g.kernelX = 3; g.padTop = g.padLeft = 1;
    // Sums of 2304 products of magnitude ~10 through F(4x4,3x3): 2e-4 to 1.1e-3 from the exact
    // sums (the same rounding as the tile-vectorised path, which MNN's outputs match).
    CHECK(checkConv(g, 1, 4, 5, 4, 5, 21, 2e-3) == 4);
    CHECK(checkConv(g, 3, 4, 5, 4, 5, 27, 2e-3) == 4);
    CHECK(checkConv(g, 13, 4, 5, 4, 5, 28, 2e-3) == 4);
    // 3x5 outputs of a 5x5 16 -> 16: F(2x2,5x5) (alpha 6), 6 tiles.
    g.inChannels = 16; g.outChannels = 16; g.kernelY = g.kernelX = 5; g.padTop = g.padLeft = 2;
    CHECK(checkConv(g, 1, 3, 5, 3, 5, 22, 1e-4) == 2);
    // mnist's second layer: 8x8 outputs of a valid 5x5, F(4x4,5x5) with 4 tiles.
    g.inChannels = 20; g.outChannels = 50; g.padTop = g.padLeft = 0;
    CHECK(checkConv(g, 1, 12, 12, 8, 8, 22, 2e-2) == 4);  // sums of 500: ~30
    // 16 tiles of F(4x4,3x3) (16x16 outputs): vectorised over tiles.
    g.inChannels = 24; g.outChannels = 20; g.kernelY = g.kernelX = 3; g.padTop = g.padLeft = 1;
    CHECK(checkConv(g, 1, 16, 16, 16, 16, 23, 1e-4) == 4);
  }
}

// Hand-evaluated MNN cost model (ConvolutionPackWinograd::bestWinogradUnit, 1 thread): rate =
// direct MACs*2 / winograd operations, largest rate wins, none below 1.
TEST_CASE("Winograd tile size follows MNN's cost model") {
  ConvGeometry g;
  g.kernelY = g.kernelX = 3;
  g.padTop = g.padLeft = 1;
  g.inChannels = g.outChannels = 64;
  // 80x80, 64 -> 64: rates F(2) 2.03, F(4) 3.34, F(6) 3.56.
  CHECK(mnnWinogradUnit(g, 80, 80) == 6);
  // 30x40, 8 -> 16 (rfb320's branch convolutions): F(4) 1.698 against F(6) 1.714.
  g.inChannels = 8; g.outChannels = 16;
  CHECK(mnnWinogradUnit(g, 30, 40) == 6);
  // 2x2 output: only F(2x2) fits (maxUnit 2), rate 2.03; 16x16, 1 -> 1 channel: rates
  // 0.28, 0.29, 0.21, all below 1.
  g.inChannels = g.outChannels = 64;
  CHECK(mnnWinogradUnit(g, 2, 2) == 2);
  g.inChannels = g.outChannels = 1;
  CHECK(mnnWinogradUnit(g, 16, 16) == 0);
  g.inChannels = g.outChannels = 64;
  g.strideX = g.strideY = 2;
  CHECK(mnnWinogradUnit(g, 16, 16) == 0);  // stride 2: never
  g.strideX = g.strideY = 1;
  g.dilateX = g.dilateY = 2;
  CHECK(mnnWinogradUnit(g, 16, 16) == 0);  // dilated: never
  g.dilateX = g.dilateY = 1;
  g.kernelY = g.kernelX = 1;
  CHECK(mnnWinogradUnit(g, 16, 16) == 0);  // 1x1: MNN's pointwise GEMM
}

// MNN's AVX2 GEMM blocks 24 pixels; leftovers go 20, 16, then 5 at a time; one pixel left over
// is summed in four interleaved parts.
TEST_CASE("MNN GEMM pixel blocking: which pixel gets the split sum") {
  CHECK(mnnSplitSumPixel(35) == 34);  // 24 + 11 = 24 + 5 + 5 + 1
  CHECK(mnnSplitSumPixel(48) == -1);
  CHECK(mnnSplitSumPixel(25) == 24);
  CHECK(mnnSplitSumPixel(26) == -1);  // 2 left
  CHECK(mnnSplitSumPixel(21) == 20);  // 20 + 1
  CHECK(mnnSplitSumPixel(17) == 16);  // 16 + 1
  CHECK(mnnSplitSumPixel(1) == 0);
  // The split sum adds (k%4 == 0 part + k%4 == 2 part) + (1 part + 3 part), then the tail.
  const float a[6] = {1e8f, 1.f, -1e8f, 1.f, 1.f, 1.f};
  const float ones[6] = {1.f, 1.f, 1.f, 1.f, 1.f, 1.f};
  const PackedMatrix A(a, 1, 6, 6);
  // parts: k0 1e8, k1 1, k2 -1e8, k3 1 -> (1e8 + -1e8) + (1 + 1) = 2, then + 1 + 1 = 4;
  // a sequential sum would lose the first 1 to 1e8's rounding and give 3.
  CHECK(mnnSplitSum(A, 0, ones, 1) == 4.f);
}

TEST_CASE("fused activations clamp as ReLU and ReLU6") {
  ConvGeometry g;
  g.inChannels = 1; g.outChannels = 3;
  Conv2DKernel relu(g, {1.f, -1.f, 10.f}, {}, Activation::Relu);
  Conv2DKernel relu6(g, {1.f, -1.f, 10.f}, {}, Activation::Relu6);
  const float in[2] = {0.5f, 2.f};
  float out[6];
  relu.run(in, 1, 1, 2, out, 1, 2);
  CHECK(std::vector<float>(out, out + 6) == std::vector<float>{0.5f, 2.f, 0.f, 0.f, 5.f, 20.f});
  relu6.run(in, 1, 1, 2, out, 1, 2);
  CHECK(std::vector<float>(out, out + 6) == std::vector<float>{0.5f, 2.f, 0.f, 0.f, 5.f, 6.f});
}

TEST_CASE("pooling: max, average with and without padding in the divisor") {
  // 3x3 plane 1..9, kernel 2x2, stride 2, pad 1 -> 2x2 output.
  const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  PoolGeometry g;
  g.kernelY = g.kernelX = 2; g.strideY = g.strideX = 2; g.padTop = g.padLeft = 1;
  float out[4];
  pool2d(in, 1, 3, 3, g, out, 2, 2);
  CHECK(std::vector<float>(out, out + 4) == std::vector<float>{1, 3, 7, 9});
  g.isMax = false;
  g.countPadding = false;
  pool2d(in, 1, 3, 3, g, out, 2, 2);
  CHECK(out[0] == 1.f);
  CHECK(out[1] == Approx(2.5f));  // (2+3)/2
  CHECK(out[3] == Approx(7.f));   // (5+6+8+9)/4
  g.countPadding = true;
  pool2d(in, 1, 3, 3, g, out, 2, 2);
  CHECK(out[0] == Approx(0.25f));  // 1/4: window covers the padding
  CHECK(out[1] == Approx(1.25f));  // 5/4
  CHECK(out[3] == Approx(7.f));    // window [1..3) clipped at H+pad = 4 -> 2x2
}

TEST_CASE("pooling: 2x2 stride 2 windows inside the image (vectorised interior path)") {
  // 4x6 plane 1..24, 2x2 windows at stride 2 -> 2x3 output.
  float in[24];
  for (int i = 0; i < 24; ++i) in[i] = float(i + 1);
  PoolGeometry g;
  g.kernelY = g.kernelX = 2; g.strideY = g.strideX = 2;
  float out[6];
  pool2d(in, 1, 4, 6, g, out, 2, 3);
  CHECK(std::vector<float>(out, out + 6) == std::vector<float>{8, 10, 12, 20, 22, 24});
  g.isMax = false;
  pool2d(in, 1, 4, 6, g, out, 2, 3);
  CHECK(std::vector<float>(out, out + 6) == std::vector<float>{4.5f, 6.5f, 8.5f, 16.5f, 18.5f, 20.5f});
}

TEST_CASE("interp: bilinear half-pixel and nearest") {
  // 1x2 row [0, 10] upscaled to width 4 with half-pixel centres: scale 0.5, offset -0.25.
  const float in[2] = {0.f, 10.f};
  InterpGeometry g;
  g.mode = InterpMode::Bilinear;
  g.scaleX = 0.5f; g.offsetX = -0.25f; g.scaleY = 1.f;
  float out[4];
  interp2d(in, 1, 1, 2, g, out, 1, 4);
  CHECK(out[0] == Approx(0.f));
  CHECK(out[1] == Approx(2.5f));
  CHECK(out[2] == Approx(7.5f));
  CHECK(out[3] == Approx(10.f));
  g.mode = InterpMode::Nearest;
  g.offsetX = 0.f;
  interp2d(in, 1, 1, 2, g, out, 1, 4);
  CHECK(std::vector<float>(out, out + 4) == std::vector<float>{0, 0, 10, 10});
}

TEST_CASE("binary ops broadcast like numpy") {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};  // [2,3]
  const std::vector<float> b = {10, 20};            // [2,1]
  std::vector<float> out(6);
  REQUIRE(broadcastShape({2, 3}, {2, 1}) == std::vector<int>{2, 3});
  binaryFloat(BinaryKind::Add, a.data(), {2, 3}, b.data(), {2, 1}, out.data(), {2, 3});
  CHECK(out == std::vector<float>{11, 12, 13, 24, 25, 26});
  const std::vector<float> c = {1, 0, -1};  // [3]
  binaryFloat(BinaryKind::Mul, a.data(), {2, 3}, c.data(), {3}, out.data(), {2, 3});
  CHECK(out == std::vector<float>{1, 0, -3, 4, 0, -6});
  std::vector<float> scalarOut(6);
  const float s = 2.f;
  binaryFloat(BinaryKind::Sub, &s, {}, a.data(), {2, 3}, scalarOut.data(), {2, 3});
  CHECK(scalarOut == std::vector<float>{1, 0, -1, -2, -3, -4});
  std::vector<int32_t> ia = {7, -7}, ib = {2}, io(2);
  binaryInt(BinaryKind::FloorDiv, ia.data(), {2}, ib.data(), {1}, io.data(), {2});
  CHECK(io == std::vector<int32_t>{3, -4});
  CHECK_THROWS(broadcastShape({2, 3}, {4}));
}

TEST_CASE("unary: hardswish and sigmoid") {
  const float in[3] = {-4.f, 1.f, 4.f};
  float out[3];
  unaryFloat(UnaryKind::HardSwish, in, out, 3);
  CHECK(out[0] == 0.f);
  CHECK(out[1] == Approx(4.f / 6.f));
  CHECK(out[2] == Approx(4.f));
  // MNN's x86 kernel computes x * clamp(x + 3, 0, 6) / 6; multiplying by 1/6 instead gives
  // -0.110400006 here (one ulp away).
  const float x = -2.76f;
  float y = 0.f;
  unaryFloat(UnaryKind::HardSwish, &x, &y, 1);
  CHECK(y == -0.110399999f);
  unaryFloat(UnaryKind::Sigmoid, in, out, 3);
  CHECK(out[1] == Approx(0.7310586f));
}

namespace {

// Straightforward max pooling: each window clipped to the image, taps row by row, the first
// maximal element kept (std::max keeps its first argument on ties), -FLT_MAX for no taps.
std::vector<float> naiveMaxPool(const std::vector<float>& in, int planes, int H, int W,
                                const PoolGeometry& g, int OH, int OW) {
  std::vector<float> out(size_t(planes) * OH * OW);
  for (int p = 0; p < planes; ++p)
    for (int oy = 0; oy < OH; ++oy)
      for (int ox = 0; ox < OW; ++ox) {
        float r = -std::numeric_limits<float>::max();
        for (int ky = 0; ky < g.kernelY; ++ky)
          for (int kx = 0; kx < g.kernelX; ++kx) {
            const int iy = oy * g.strideY - g.padTop + ky, ix = ox * g.strideX - g.padLeft + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W)
              r = std::max(r, in[(size_t(p) * H + iy) * W + ix]);
          }
        out[(size_t(p) * OH + oy) * OW + ox] = r;
      }
  return out;
}

// Bit patterns, so that -0 and +0 differ.
std::vector<uint32_t> bits(const float* v, size_t n) {
  std::vector<uint32_t> b(n);
  std::memcpy(b.data(), v, n * sizeof(float));
  return b;
}

}  // namespace

TEST_CASE("max pooling matches the direct window loop bit for bit (sizes, padding, ceil mode)") {
  // Values from a small set with both zeros, so that ties (also +0 against -0) are frequent.
  const float values[] = {-1.5f, -0.f, 0.f, 0.25f, 2.f, -3.f, 0.f, -0.f};
  int cases = 0;
  for (int k = 1; k <= 4; ++k)
    for (int s = 1; s <= 3; ++s)
      for (int pad = 0; pad < k && pad <= 2; ++pad)
        for (int ceil = 0; ceil <= 1; ++ceil)
          for (int W : {1, 2, 5, 7, 8, 9, 16, 17, 33, 64})
            for (int H : {1, 3, 6}) {
              // Vertically a different kernel/stride/pad than horizontally where possible.
              PoolGeometry g;
              g.kernelX = k; g.strideX = s; g.padLeft = pad;
              g.kernelY = k == 4 ? 3 : k; g.strideY = s == 3 ? 1 : s;
              g.padTop = std::min(pad, g.kernelY - 1);
              const int w = W + 2 * g.padLeft, h = H + 2 * g.padTop;
              if (g.kernelX > w || g.kernelY > h) continue;
              // Output size as the Pooling op computes it for explicit pads (floor or ceil mode).
              const int OW = ceil ? (w - g.kernelX + s - 1) / s + 1 : (w - g.kernelX) / s + 1;
              const int OHg = ceil ? (h - g.kernelY + g.strideY - 1) / g.strideY + 1
                                   : (h - g.kernelY) / g.strideY + 1;
              const int planes = 3;
              std::vector<float> in(size_t(planes) * H * W);
              std::mt19937 gen(unsigned(k * 1000 + s * 100 + pad * 10 + W + H));
              for (auto& v : in) v = values[gen() % 8];
              // One guard element past the output: nothing may be stored beyond it.
              std::vector<float> out(size_t(planes) * OHg * OW + 1, 42.f);
              pool2d(in.data(), planes, H, W, g, out.data(), OHg, OW);
              const auto ref = naiveMaxPool(in, planes, H, W, g, OHg, OW);
              INFO("k " << k << " s " << s << " pad " << pad << " ceil " << ceil << " " << H << "x" << W);
              REQUIRE(bits(out.data(), ref.size()) == bits(ref.data(), ref.size()));
              REQUIRE(out.back() == 42.f);
              ++cases;
            }
  CHECK(cases > 500);
}

TEST_CASE("max pooling: 2x2 stride 2 and 3x3 stride 1 pad 1 on wide planes, hand-checked values") {
  // 2 planes of 2 x 20: plane value = column index (row 0) and 100 - column (row 1).
  std::vector<float> in(2 * 2 * 20);
  for (int p = 0; p < 2; ++p)
    for (int x = 0; x < 20; ++x) {
      in[(p * 2 + 0) * 20 + x] = float(x + p);
      in[(p * 2 + 1) * 20 + x] = float(100 - x);
    }
  PoolGeometry g;
  g.kernelX = g.kernelY = 2; g.strideX = g.strideY = 2;
  std::vector<float> out(2 * 10);
  pool2d(in.data(), 2, 2, 20, g, out.data(), 1, 10);
  for (int ox = 0; ox < 10; ++ox) {
    CHECK(out[ox] == float(100 - 2 * ox));  // max(2ox, 2ox+1, 100-2ox, 99-2ox)
    CHECK(out[10 + ox] == float(100 - 2 * ox));
  }
  // 3x3 stride 1 pad 1 on one row 0..19: the window clips at both ends.
  std::vector<float> row(20);
  for (int x = 0; x < 20; ++x) row[x] = float(x % 7);
  g.kernelX = g.kernelY = 3; g.strideX = g.strideY = 1; g.padLeft = g.padTop = 1;
  std::vector<float> o1(20);
  pool2d(row.data(), 1, 1, 20, g, o1.data(), 1, 20);
  const std::vector<float> expect = {1, 2, 3, 4, 5, 6, 6, 6, 2, 3, 4, 5, 6, 6, 6, 2, 3, 4, 5, 5};
  CHECK(o1 == expect);
}

namespace {

// Straightforward bilinear resize with MNN's per-element arithmetic: source coordinate
// s = x*scale + offset, i = floor(s), f = s - i, taps clamped; a row is r[i+1]*f + r[i]*(1-f),
// the output a*(1-fy) + b*fy, each product rounded on its own.
std::vector<float> naiveBilinear(const std::vector<float>& in, int planes, int H, int W,
                                 const InterpGeometry& g, int OH, int OW) {
  std::vector<float> out(size_t(planes) * OH * OW);
  auto clampi = [](int v, int hi) { return std::min(std::max(v, 0), hi); };
  for (int p = 0; p < planes; ++p)
    for (int y = 0; y < OH; ++y) {
      const float sy = y * g.scaleY + g.offsetY;
      const int iy = static_cast<int>(std::floor(sy));
      const float fy = sy - iy;
      const float* ra = &in[(size_t(p) * H + clampi(iy, H - 1)) * W];
      const float* rb = &in[(size_t(p) * H + clampi(iy + 1, H - 1)) * W];
      for (int x = 0; x < OW; ++x) {
        const float sx = x * g.scaleX + g.offsetX;
        const int ix = static_cast<int>(std::floor(sx));
        const float fx = sx - ix;
        const int x0 = clampi(ix, W - 1), x1 = clampi(ix + 1, W - 1);
        const volatile float pa1 = ra[x1] * fx, pa0 = ra[x0] * (1.0f - fx);
        const volatile float pb1 = rb[x1] * fx, pb0 = rb[x0] * (1.0f - fx);
        const volatile float a = pa1 + pa0, b = pb1 + pb0;
        const volatile float qa = a * (1.0f - fy), qb = b * fy;
        out[(size_t(p) * OH + y) * OW + x] = qa + qb;
      }
    }
  return out;
}

}  // namespace

TEST_CASE("bilinear resize matches MNN's per-element arithmetic bit for bit") {
  int cases = 0;
  for (int kind = 0; kind < 3; ++kind)  // 0 half-pixel, 1 align corners, 2 asymmetric
    for (auto [H, W, OH, OW] : {std::array<int, 4>{4, 5, 8, 10}, {40, 40, 80, 80}, {3, 7, 6, 14},
                                {5, 9, 3, 4}, {1, 1, 3, 17}, {6, 13, 13, 29}, {2, 3, 7, 5},
                                {8, 8, 8, 8}, {7, 20, 16, 40}, {4, 9, 5, 8}, {3, 16, 4, 12}}) {
      InterpGeometry g;
      g.mode = InterpMode::Bilinear;
      if (kind == 1) {
        g.scaleX = OW == 1 ? 0.f : float(W - 1) / float(OW - 1);
        g.scaleY = OH == 1 ? 0.f : float(H - 1) / float(OH - 1);
      } else {
        g.scaleX = float(W) / float(OW);
        g.scaleY = float(H) / float(OH);
        if (kind == 0) {
          g.offsetX = 0.5f * g.scaleX - 0.5f;
          g.offsetY = 0.5f * g.scaleY - 0.5f;
        }
      }
      const int planes = 3;
      const auto in = randomVec(size_t(planes) * H * W, unsigned(H * 31 + W + kind));
      std::vector<float> out(size_t(planes) * OH * OW + 1, 42.f);
      interp2d(in.data(), planes, H, W, g, out.data(), OH, OW);
      const auto ref = naiveBilinear(in, planes, H, W, g, OH, OW);
      INFO("mode " << kind << " " << H << "x" << W << " -> " << OH << "x" << OW);
      REQUIRE(bits(out.data(), ref.size()) == bits(ref.data(), ref.size()));
      REQUIRE(out.back() == 42.f);
      ++cases;
    }
  CHECK(cases == 33);
}
