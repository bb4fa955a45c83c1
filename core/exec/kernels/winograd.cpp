// Compiled with -ffp-contract=off (core/exec/CMakeLists.txt): every product and sum of the
// transforms below is rounded on its own, as in MNN's AVX2 Winograd code (built without FMA).
// The GEMM between them (packed_gemm.cpp) keeps its FMAs, as MNN's does.
#include "winograd.hpp"

#include "padded_plane.hpp"
#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace mnnq::exec {

namespace {

// MNN's GEMM works on blocks of this many tiles (AVX2 "ePack"); tiles of complete blocks take
// the y-direction input transform in a second, differently ordered form (see kSrcPack*).
constexpr int kTileBlock = kMnnPixelBlock;

bool transformExists(int alpha, int unit, int k) {
  if (k % 2 == 0) return false;  // MNN's F(3,4), F(5,4): output transforms not written here
  return unit + k - 1 == alpha && (alpha == 4 || alpha == 6 || alpha == 8) && unit >= 2;
}

}  // namespace

int mnnWinogradUnit(const ConvGeometry& g, int outH, int outW) {
  if (g.kernelY != g.kernelX || g.kernelY <= 1 || g.dilateX != 1 || g.dilateY != 1 ||
      g.strideX != 1 || g.strideY != 1 || outH <= 0 || outW <= 0)
    return 0;
  const int ic = g.inChannels / g.group, oc = g.outChannels / g.group, k = g.kernelY;
  // MNN: maxUnit = sqrt(output pixels per thread) within [2, 8]; candidate tiles need
  // alpha = u + k - 1 in {4, 6, 8}; cost counts the transforms' and the GEMMs' operations.
  int maxUnit = int(std::sqrt(float(outW * outH)));
  maxUnit = std::max(2, std::min(8, maxUnit));
  const float originCost = float(float(outW) * outH * (2.0 * ic) * oc * k * k);
  int unit = 0, mnnUnit = 0;
  float maxRate = 0.f;
  for (int u = 2; u <= maxUnit; ++u) {
    const int sui = u + k - 1;
    if (sui != 4 && sui != 6 && sui != 8) continue;
    const float su = float(sui);
    const float tiles = float(((outW + u - 1) / u) * ((outH + u - 1) / u));
    const float cost = ((2 * su) * su * su * ic + 2 * su * su * ic * oc + ((su + u) * u * (2 * su) * oc)) * tiles;
    const float rate = originCost / cost;
    if (rate > maxRate) {
      maxRate = rate;
      mnnUnit = u;
    }
  }
  if (maxRate < 1.f) return 0;
  unit = mnnUnit;
  return transformExists(unit + k - 1, unit, k) ? unit : 0;
}

std::vector<float> winogradMatrixG(int alpha, int k) {
  float p[8] = {0.f};
  for (int i = 0, sign = 1; i < alpha - 1; ++i, sign = -sign) p[i + 1] = float(sign * (1 + i / 2));
  float f[8];
  for (int x = 0; x < alpha - 1; ++x) {
    float prod = 1.f;
    for (int i = 0; i < alpha - 1; ++i)
      if (i != x) prod *= p[x] - p[i];
    f[x] = prod;
  }
  f[alpha - 1] = 1.f;
  if (f[0] < 0) f[0] = -f[0];
  std::vector<float> G(size_t(alpha) * k);
  for (int x = 0; x < alpha; ++x)
    for (int y = 0; y < k; ++y) {
      float v;
      if (x == alpha - 1) v = y == k - 1 ? 1.f : 0.f;
      else v = (x == 0 && y == 0) ? 1.f : std::pow(p[x], float(y));
      G[size_t(x) * k + y] = v / f[x];
    }
  return G;
}

int winogradTiles(int unit, int outH, int outW) {
  return ((outH + unit - 1) / unit) * ((outW + unit - 1) / unit);
}

Winograd::Winograd(const ConvGeometry& g, int unit, const float* weight, int plannedTiles)
    : g_(g), unit_(unit), alpha_(unit + g.kernelY - 1) {
  const int k = g.kernelY;
  if (g.group != 1 || g.kernelX != k || !transformExists(alpha_, unit, k))
    throw std::invalid_argument("Winograd: no F(" + std::to_string(unit) + "," + std::to_string(k) +
                                ") transform for this convolution");
  const int O = g.outChannels, C = g.inChannels, a = alpha_;
  const std::vector<float> G = winogradMatrixG(a, k);
  std::vector<std::vector<float>> u(size_t(a) * a, std::vector<float>(size_t(O) * C));
  for (int o = 0; o < O; ++o)
    for (int c = 0; c < C; ++c) {
      const float* w = weight + (size_t(o) * C + c) * k * k;
      float gw[8][7];  // G g, sums in tap order
      for (int i = 0; i < a; ++i)
        for (int j = 0; j < k; ++j) {
          float s = 0.f;
          for (int l = 0; l < k; ++l) s += G[size_t(i) * k + l] * w[l * k + j];
          gw[i][j] = s;
        }
      for (int i = 0; i < a; ++i)  // (G g) G'
        for (int j = 0; j < a; ++j) {
          float s = 0.f;
          for (int l = 0; l < k; ++l) s += gw[i][l] * G[size_t(j) * k + l];
          u[size_t(i) * a + j][size_t(o) * C + c] = s;
        }
    }
  for (auto& m : u) u_.emplace_back(m.data(), O, C, C);
  if (plannedTiles > 0 && plannedTiles < kRowVectorTiles)
    for (auto& m : u) rowVectorU_.emplace_back(m.data(), O, C, C);
}

namespace {

// One-dimensional transforms of 8 tiles at once (one tile per lane), as MNN's AVX2 code writes
// them. Input side: s[0..alpha) -> m[0..alpha), B' with the normalising factors.
// "Unroll" forms: the x direction of every tile, and the y direction of tiles outside full
// blocks; "Pack" forms: the y direction of tiles in full blocks of kTileBlock.
#define MNNQ_SRC4(s, m)      \
  do {                       \
    (m)[0] = (s)[0] - (s)[2]; \
    (m)[1] = (s)[1] + (s)[2]; \
    (m)[2] = (s)[2] - (s)[1]; \
    (m)[3] = (s)[3] - (s)[1]; \
  } while (0)

#define MNNQ_SRC6_UNROLL(s, m)                 \
  do {                                         \
    const v8 q0 = (s)[4] + (s)[2] * -4.f;      \
    const v8 q1 = (s)[3] + (s)[1] * -4.f;      \
    const v8 q2 = (s)[2] + (s)[0] * -4.f;      \
    const v8 q3 = (s)[5] + (s)[3] * -4.f;      \
    const v8 q4 = (s)[4] - (s)[2];             \
    const v8 q5 = ((s)[3] - (s)[1]) * 2.f;     \
    (m)[0] = q0 - q2;                          \
    (m)[1] = q0 + q1;                          \
    (m)[2] = q0 - q1;                          \
    (m)[3] = q4 + q5;                          \
    (m)[4] = q4 - q5;                          \
    (m)[5] = q3 - q1;                          \
  } while (0)

#define MNNQ_SRC6_PACK(s, m)                                               \
  do {                                                                     \
    (m)[0] = (s)[0] * 4.f - (s)[2] * 5.f + (s)[4];                         \
    (m)[1] = ((s)[1] + (s)[2]) * -4.f + (s)[3] + (s)[4];                   \
    (m)[2] = ((s)[1] - (s)[2]) * 4.f + (s)[4] - (s)[3];                    \
    (m)[3] = (s)[1] * -2.f - (s)[2] + (s)[3] * 2.f + (s)[4];               \
    (m)[4] = (s)[1] * 2.f - (s)[2] - (s)[3] * 2.f + (s)[4];                \
    (m)[5] = (s)[1] * 4.f - (s)[3] * 5.f + (s)[5];                         \
  } while (0)

#define MNNQ_SRC8_UNROLL(s, m)                                    \
  do {                                                            \
    const v8 e0 = ((s)[6] + (s)[2] * 36.f) + (s)[4] * -13.f;      \
    const v8 e1 = ((s)[4] + (s)[0] * 36.f) + (s)[2] * -13.f;      \
    const v8 e2 = ((s)[5] + (s)[1] * 36.f) + (s)[3] * -13.f;      \
    const v8 e3 = ((s)[7] + (s)[3] * 36.f) + (s)[5] * -13.f;      \
    (m)[0] = e1 - e0;                                             \
    (m)[1] = e0 + e2;                                             \
    (m)[2] = e0 - e2;                                             \
    (m)[7] = e3 - e2;                                             \
    const v8 n0 = ((s)[6] + (s)[2] * 9.f) + (s)[4] * -10.f;       \
    const v8 n1 = ((s)[5] + (s)[1] * 18.f) + ((s)[5] + (s)[3] * -20.f); \
    const v8 n2 = (s)[5] * 3.f + (s)[1] * 12.f;                   \
    (m)[3] = n0 + n1;                                             \
    (m)[4] = n0 - n1;                                             \
    const v8 r0 = ((s)[6] + (s)[2] * 4.f) + (s)[4] * -5.f;        \
    const v8 r1 = n2 + (s)[3] * -15.f;                            \
    (m)[5] = r0 + r1;                                             \
    (m)[6] = r0 - r1;                                             \
  } while (0)

#define MNNQ_SRC8_PACK(s, m)                                                                       \
  do {                                                                                             \
    (m)[0] = (s)[0] * 36.f - (s)[2] * 49.f + (s)[4] * 14.f - (s)[6];                               \
    (m)[1] = ((s)[1] + (s)[2]) * 36.f - ((s)[3] + (s)[4]) * 13.f + ((s)[5] + (s)[6]);              \
    (m)[2] = ((s)[2] - (s)[1]) * 36.f + ((s)[3] - (s)[4]) * 13.f + ((s)[6] - (s)[5]);              \
    (m)[3] = (s)[1] * 18.f + (s)[2] * 9.f - (s)[3] * 20.f - (s)[4] * 10.f + (s)[5] * 2.f + (s)[6]; \
    (m)[4] = (s)[2] * 9.f - (s)[1] * 18.f + (s)[3] * 20.f - (s)[4] * 10.f - (s)[5] * 2.f + (s)[6]; \
    (m)[5] = (s)[1] * 12.f + (s)[2] * 4.f - (s)[3] * 15.f - (s)[4] * 5.f + (s)[5] * 3.f + (s)[6];  \
    (m)[6] = (s)[2] * 4.f - (s)[1] * 12.f + (s)[3] * 15.f - (s)[4] * 5.f - (s)[5] * 3.f + (s)[6];  \
    (m)[7] = (s)[3] * 49.f - (s)[1] * 36.f - (s)[5] * 14.f + (s)[7];                               \
  } while (0)

// Output side: s[0..alpha) -> m[0..unit), A'. One form per (alpha, unit), each with MNN's
// grouping of the sums.
#define MNNQ_DST_4_2(s, m)                   \
  do {                                       \
    (m)[0] = (s)[0] + (s)[1] + (s)[2];       \
    (m)[1] = ((s)[1] - (s)[2]) + (s)[3];     \
  } while (0)

#define MNNQ_DST_6_2(s, m)                                          \
  do {                                                              \
    (m)[0] = (s)[0] + (s)[1] + (s)[2] + (s)[3] + (s)[4];            \
    (m)[1] = ((s)[1] - (s)[2]) + ((s)[3] - (s)[4]) * 2.f + (s)[5];  \
  } while (0)

#define MNNQ_DST_6_4(s, m)                    \
  do {                                        \
    const v8 w0 = (s)[3] + (s)[4];            \
    const v8 w1 = (s)[3] - (s)[4];            \
    const v8 w2 = (s)[1] + (s)[2];            \
    const v8 w3 = (s)[1] - (s)[2];            \
    (m)[0] = (s)[0] + w2 + w0;                \
    (m)[1] = w3 + w1 + w1;                    \
    (m)[2] = w2 + w0 * 4.f;                   \
    (m)[3] = w3 + w1 * 8.f + (s)[5];          \
  } while (0)

#define MNNQ_DST_8_2(s, m)                                                                  \
  do {                                                                                      \
    (m)[0] = (s)[0] + (s)[1] + (s)[2] + (s)[3] + (s)[4] + (s)[5] + (s)[6];                  \
    (m)[1] = ((s)[1] - (s)[2]) + ((s)[3] - (s)[4]) * 2.f + ((s)[5] - (s)[6]) * 3.f + (s)[7]; \
  } while (0)

// alpha 8, unit 4 or 6: shared sums and differences of symmetric points, the last output also
// takes the infinity point.
#define MNNQ_DST_8_N(s, m, n)                                   \
  do {                                                          \
    const v8 p0 = (s)[1] + (s)[2], d0 = (s)[1] - (s)[2];        \
    const v8 p1 = (s)[3] + (s)[4], d1 = (s)[3] - (s)[4];        \
    const v8 p2 = (s)[5] + (s)[6], d2 = (s)[5] - (s)[6];        \
    (m)[0] = (s)[0] + p0 + p1 + p2;                             \
    (m)[1] = d0 + d1 * 2.f + d2 * 3.f;                          \
    (m)[2] = p0 + p1 * 4.f + p2 * 9.f;                          \
    (m)[3] = d0 + d1 * 8.f + d2 * 27.f;                         \
    if ((n) == 6) {                                             \
      (m)[4] = p0 + p1 * 16.f + p2 * 81.f;                      \
      (m)[5] = d0 + d1 * 32.f + d2 * 243.f;                     \
    }                                                           \
    (m)[(n) - 1] = (m)[(n) - 1] + (s)[7];                       \
  } while (0)

typedef int v8i __attribute__((vector_size(32)));

struct ImageArgs {
  const ConvGeometry* g;
  const std::vector<PackedMatrix>* U;
  const float* in;
  int inH, inW;
  const float* bias;
  Activation act;
  float* out;
  int outH, outW;
  int firstTile, fullBlockEnd;  // this image's first tile in the batch; end of complete blocks
  int splitSumTile;             // tile of the batch whose products MNN sums in 4 parts, or -1
  // The weights vectorised over output channels when the image has few tiles (else null).
  const std::vector<RowVectorMatrix>* rowVectorU;
};

// B' d B of one alpha x alpha block, 8 lanes at a time (8 tiles or 8 channels): the x
// direction in the unrolled form, the y direction in MNN's packed form for tiles in full blocks
// (`full`). load(y, x) gives the block's element (y, x); frequency (y, x) is stored at
// v + (y * alpha + x) * posStride.
template <int alpha, class Load>
[[gnu::always_inline]] inline void inputTransform8(Load load, bool full, float* v,
                                                  size_t posStride) {
  v8 xt[alpha][alpha];  // [y][x frequency]
  for (int y = 0; y < alpha; ++y) {
    v8 s[alpha];
    for (int x = 0; x < alpha; ++x) s[x] = load(y, x);
    if (alpha == 4) MNNQ_SRC4(s, xt[y]);
    else if (alpha == 6) MNNQ_SRC6_UNROLL(s, xt[y]);
    else MNNQ_SRC8_UNROLL(s, xt[y]);
  }
  for (int x = 0; x < alpha; ++x) {
    v8 s[alpha], m[alpha];
    for (int y = 0; y < alpha; ++y) s[y] = xt[y][x];
    if (alpha == 4) MNNQ_SRC4(s, m);
    else if (alpha == 6) {
      if (full) MNNQ_SRC6_PACK(s, m);
      else MNNQ_SRC6_UNROLL(s, m);
    } else {
      if (full) MNNQ_SRC8_PACK(s, m);
      else MNNQ_SRC8_UNROLL(s, m);
    }
    for (int y = 0; y < alpha; ++y) V8_STORE(v + (y * alpha + x) * posStride, m[y]);
  }
}

// A' s for alpha frequencies s -> unit outputs m, with MNN's grouping of the sums for each
// (alpha, unit).
template <int alpha, int unit>
[[gnu::always_inline]] inline void outputTransform(const v8* s, v8* m) {
  if (alpha == 4) MNNQ_DST_4_2(s, m);
  else if (alpha == 6) {
    if (unit == 2) MNNQ_DST_6_2(s, m);
    else MNNQ_DST_6_4(s, m);
  } else if (unit == 2) MNNQ_DST_8_2(s, m);
  else MNNQ_DST_8_N(s, m, unit);
}

// The y direction of A' M A for one block of 8 lanes: col[x] = A' applied to frequency column
// x, whose element j is at m + (j * alpha + x) * posStride.
template <int alpha, int unit>
[[gnu::always_inline]] inline void outputColumns(const float* m, size_t posStride,
                                                 v8 (&col)[alpha][unit]) {
  for (int x = 0; x < alpha; ++x) {
    v8 s[alpha];
    for (int j = 0; j < alpha; ++j) s[j] = V8_LOAD(m + (j * alpha + x) * posStride);
    outputTransform<alpha, unit>(s, col[x]);
  }
}

// MNN's products for one tile taken alone by its remainder GEMM kernel (mnnSplitSumPixel).
void splitSumProducts(const std::vector<PackedMatrix>& U, const float* V, size_t ldv,
                      size_t posStrideV, int O, float* M, size_t posStrideM, size_t ldm) {
  (void)O;
  for (size_t pos = 0; pos < U.size(); ++pos)
    mnnSplitSumColumn(U[pos], V + pos * posStrideV, ldv, M + pos * posStrideM, ldm);
}

// An image of T < kRowVectorTiles tiles, vectorised over channels instead of tiles, the way
// MNN's packed layout is: with 4 tiles (mnist's 8x8 F(4x4,5x5) layer) or 2 (rfb320's 4x5 heads,
// F(4x4,3x3)) tile vectors were mostly padding. Per output the arithmetic is that of
// winogradImage: the same transform expressions (the y direction in MNN's form for tiles in
// full blocks), FMA sums over input channels in order (the split-sum tile too), bias and
// activation.
template <int alpha, int unit>
[[gnu::always_inline]] inline void fewTilesImage(const ImageArgs& args) {
  const std::vector<RowVectorMatrix>& U = *args.rowVectorU;
  const ConvGeometry& g = *args.g;
  const int C = g.inChannels, O = g.outChannels, k = g.kernelY;
  const int inH = args.inH, inW = args.inW, outH = args.outH, outW = args.outW;
  const int th = (outH + unit - 1) / unit, tw = (outW + unit - 1) / unit, T = th * tw;
  const int CP = (C + 7) / 8 * 8;  // channels padded to whole vectors
  // 1. The zero-padded input, channel-minor: X[y][x][c] over the rows and columns the tiles
  // read.
  const int PR = unit * th + k - 1, PC = unit * tw + k - 1;
  float* X = scratch(1, size_t(PR) * PC * CP);
  std::fill(X, X + size_t(PR) * PC * CP, 0.f);
  const int y0 = std::max(0, -g.padTop), y1 = std::min(inH, PR - g.padTop);
  const int x0 = std::max(0, -g.padLeft), x1 = std::min(inW, PC - g.padLeft);
  for (int c = 0; c < C; ++c) {
    const float* src = args.in + size_t(c) * inH * inW;
    for (int y = y0; y < y1; ++y) {
      float* d = X + (size_t(y + g.padTop) * PC + g.padLeft) * CP + c;
      for (int x = x0; x < x1; ++x) d[size_t(x) * CP] = src[size_t(y) * inW + x];
    }
  }
  // 2. V[pos][t][c] = (B' d B)[pos]: along x for each tile row, then along y, 8 channels at once.
  float* V = scratch(2, size_t(alpha) * alpha * T * CP);
  const size_t posStrideV = size_t(T) * CP;
  for (int t = 0; t < T; ++t) {
    const bool full = args.firstTile + t < args.fullBlockEnd;
    const float* tile = X + (size_t(unit * (t / tw)) * PC + unit * (t % tw)) * CP;
    for (int c0 = 0; c0 < CP; c0 += 8) {
      const auto load = [&](int y, int x) {
        return V8_LOAD(tile + (size_t(y) * PC + x) * CP + c0);
      };
      inputTransform8<alpha>(load, full, V + size_t(t) * CP + c0, posStrideV);
    }
  }
  // 3. M[pos][t][o] = U[pos] V[pos], vectorised over output channels.
  const int OP = U[0].paddedRows();
  float* M = scratch(0, size_t(alpha) * alpha * T * OP);
  const int splitTile = args.splitSumTile - args.firstTile;
  const size_t posStrideM = size_t(T) * OP;
  for (int pos = 0; pos < alpha * alpha; ++pos)
    gemmFewColumns(U[pos], V + pos * posStrideV, 1, size_t(CP), T, splitTile,
                   M + pos * posStrideM, size_t(OP));
  // 4. Per tile and 8 output channels: A' m A along y, then x; + bias, activation; lanes are
  // channels, so each lane's result goes to its own channel plane.
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
  const size_t planeOut = size_t(outH) * outW;
  for (int o0 = 0; o0 < O; o0 += 8) {
    const int lanes = std::min(8, O - o0);
    float bl[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    if (args.bias)
      for (int l = 0; l < lanes; ++l) bl[l] = args.bias[o0 + l];
    const v8 b = V8_LOAD(bl);
    for (int t = 0; t < T; ++t) {
      const float* m = M + size_t(t) * OP + o0;
      v8 col[alpha][unit];  // [x frequency][output row]
      outputColumns<alpha, unit>(m, posStrideM, col);
      const int x0 = unit * (t % tw), y0 = unit * (t / tw);
      const int rows = std::min(unit, outH - y0), cols = std::min(unit, outW - x0);
      float* y = args.out + size_t(o0) * planeOut + size_t(y0) * outW + x0;
      for (int i = 0; i < rows; ++i) {
        v8 s[alpha], q[unit];
        for (int x = 0; x < alpha; ++x) s[x] = col[x][i];
        outputTransform<alpha, unit>(s, q);
        float tmp[unit][8];
        for (int j = 0; j < unit; ++j) {
          v8 r = q[j] + b;
          if (args.act != Activation::None) {
            r = r > zero ? r : zero;
            if (args.act == Activation::Relu6) r = r < six ? r : six;
          }
          V8_STORE(tmp[j], r);
        }
        float* row = y + size_t(i) * outW;
        for (int l = 0; l < lanes; ++l)
          for (int j = 0; j < cols; ++j) row[l * planeOut + j] = tmp[j][l];
      }
    }
  }
}

// One image with alpha = kAlpha, tile kUnit (compile-time, so the transforms unroll into
// registers); instantiated inside one MNNQ_HOT function per tile size.
template <int kAlpha, int kUnit>
[[gnu::always_inline]] inline void winogradImage(const ImageArgs& args) {
  constexpr int alpha = kAlpha, unit = kUnit;
  if (args.rowVectorU) {
    fewTilesImage<alpha, unit>(args);
    return;
  }
  const ConvGeometry& g = *args.g;
  const std::vector<PackedMatrix>& U = *args.U;
  const float* in = args.in;
  const int inH = args.inH, inW = args.inW, outH = args.outH, outW = args.outW;
  const float* bias = args.bias;
  const Activation act = args.act;
  float* out = args.out;
  const int firstTile = args.firstTile, fullBlockEnd = args.fullBlockEnd;
  const int splitTile = args.splitSumTile - firstTile;  // in this image, if in [0, T)
  const int C = g.inChannels, O = g.outChannels, k = g.kernelY;
  const int th = (outH + unit - 1) / unit, tw = (outW + unit - 1) / unit, T = th * tw;
  const int a2 = alpha * alpha;

  // Zero-padded input with its columns dealt into `unit` sub-planes: column x of tile tx is
  // sub-plane x % unit at tx + x / unit, so the same column of 8 consecutive tiles is one load.
  PaddedPlane plane;
  plane.phases = unit;
  plane.rows = unit * th + k - 1;
  plane.width = tw + (alpha - 1) / unit + 9;
  float* padded = scratch(1, size_t(C) * plane.size());
  for (int c = 0; c < C; ++c) {
    PaddedPlane pc = plane;
    pc.data = padded + size_t(c) * plane.size();
    fillPlane(in + size_t(c) * inH * inW, inH, inW, g.padTop, g.padLeft, pc);
  }
  const size_t phaseSize = size_t(plane.rows) * plane.width;

  // Tiles per block: transformed input (a2 x C) and products (a2 x O) in ~512 KiB.
  const int TB = std::max(16, std::min(512, int((512 * 1024 / 4) / (a2 * (C + O))) / 16 * 16));
  const int ldv = TB + 8;  // 8 spare columns: the last 8-tile store of a row may run past
  // Consecutive positions 16 floats further apart than their data: with O * TB a multiple of
  // 1024 (64 channels, 16 tiles) the output transform's 8 loads per column were 4 KiB apart and
  // contended for the same cache sets (mlsd's 64-channel F(6,3) layers 2.40 -> 2.00 ms); the
  // same for the input transform's stores.
  const size_t posStrideV = size_t(C) * ldv + 16;
  float* V = scratch(2, size_t(a2) * posStrideV);
  const size_t posStrideM = size_t(O) * TB + 16;
  float* M = scratch(0, size_t(a2) * posStrideM + 8);
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);

  for (int t0 = 0; t0 < T; t0 += TB) {
    const int nb = std::min(TB, T - t0);
    // 1. V[pos][c][t] = (B' d B)[pos]: along x for each tile row, then along y.
    for (int c = 0; c < C; ++c) {
      const float* base = padded + size_t(c) * plane.size();
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        int run = std::min(t0 + nb - t, tw - tx);  // tiles left in this tile row
        const bool full = firstTile + t < fullBlockEnd;
        if (full) run = std::min(run, fullBlockEnd - firstTile - t);  // one y form per run
        for (int kk = 0; kk < run; kk += 8) {
          const auto load = [&](int y, int x) {
            const float* row = base + size_t(unit * ty + y) * plane.width + tx + kk;
            return V8_LOAD(row + (x % unit) * phaseSize + x / unit);
          };
          inputTransform8<alpha>(load, full, V + size_t(c) * ldv + (t - t0) + kk, posStrideV);
        }
        t += run;
      }
    }
    // 2. M[pos] = U[pos] V[pos]: output channels x tiles, summed over input channels in order.
    for (int pos = 0; pos < a2; ++pos)
      gemmBiasAct(U[pos], V + pos * posStrideV, ldv, nb, nullptr, Activation::None,
                  M + size_t(pos) * posStrideM, TB);
    if (splitTile >= t0 && splitTile < t0 + nb)
      splitSumProducts(U, V + (splitTile - t0), ldv, posStrideV, O, M + (splitTile - t0),
                       posStrideM, TB);
    // 3. Y = A' m A along y, then x; then + bias and the activation, into the output.
    for (int o = 0; o < O; ++o) {
      const v8 b = V8_SPLAT(bias ? bias[o] : 0.f);
      float* y = out + size_t(o) * outH * outW;
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        const int run = std::min(t0 + nb - t, tw - tx);
        for (int kk = 0; kk < run; kk += 8) {
          const float* m = M + size_t(o) * TB + (t - t0) + kk;
          v8 col[alpha][unit];  // [x frequency][output row]
          outputColumns<alpha, unit>(m, posStrideM, col);
          const int cnt = std::min(8, run - kk);
          const int x0 = unit * (tx + kk), y0 = unit * ty;
          const int rows = std::min(unit, outH - y0);
          const int width = std::min(unit * cnt, outW - x0);
          for (int i = 0; i < rows; ++i) {
            v8 s[alpha], q[unit];
            for (int x = 0; x < alpha; ++x) s[x] = col[x][i];
            outputTransform<alpha, unit>(s, q);
            for (int j = 0; j < unit; ++j) {
              v8 r = q[j] + b;
              if (act != Activation::None) {
                r = r > zero ? r : zero;
                if (act == Activation::Relu6) r = r < six ? r : six;
              }
              q[j] = r;
            }
            // Lanes are tiles: interleave into unit * 8 consecutive output columns.
            float* row = y + size_t(y0 + i) * outW + x0;
            if (unit == 2 && width == 16) {
              const v8i lo = {0, 8, 1, 9, 2, 10, 3, 11}, hi = {4, 12, 5, 13, 6, 14, 7, 15};
              V8_STORE(row, __builtin_shuffle(q[0], q[1], lo));
              V8_STORE(row + 8, __builtin_shuffle(q[0], q[1], hi));
            } else {
              float tmp[unit][8];
              for (int j = 0; j < unit; ++j) V8_STORE(tmp[j], q[j]);
              // Tiles whose unit columns are all inside the row, then the clipped last one (an
              // index division per element here was 40 % of rfb320's 8 -> 16 F(6,3) layers).
              const int whole = std::min(width / unit, 8);
              for (int l = 0; l < whole; ++l)
                for (int j = 0; j < unit; ++j) row[l * unit + j] = tmp[j][l];
              for (int e = whole * unit; e < width; ++e) row[e] = tmp[e - whole * unit][whole];
            }
          }
        }
        t += run;
      }
    }
  }
}

MNNQ_HOT void winograd42(const ImageArgs& a) { winogradImage<4, 2>(a); }
MNNQ_HOT void winograd64(const ImageArgs& a) { winogradImage<6, 4>(a); }
MNNQ_HOT void winograd86(const ImageArgs& a) { winogradImage<8, 6>(a); }
MNNQ_HOT void winograd62(const ImageArgs& a) { winogradImage<6, 2>(a); }
MNNQ_HOT void winograd84(const ImageArgs& a) { winogradImage<8, 4>(a); }
MNNQ_HOT void winograd82(const ImageArgs& a) { winogradImage<8, 2>(a); }

}  // namespace

void Winograd::run(const float* in, int batch, size_t imageStrideIn, int inH, int inW,
                   const float* bias, Activation act, float* out, size_t imageStrideOut, int outH,
                   int outW) const {
  if (outH <= 0 || outW <= 0) return;
  const int tilesPerImage = ((outH + unit_ - 1) / unit_) * ((outW + unit_ - 1) / unit_);
  // MNN numbers the tiles of the whole batch; the complete blocks of kTileBlock among them
  // take the other y-direction input transform.
  const int total = tilesPerImage * batch;
  const int fullBlockEnd = total / kTileBlock * kTileBlock;
  const int splitSumTile = mnnSplitSumPixel(total);
  for (int n = 0; n < batch; ++n) {
    const ImageArgs args{&g_, &u_, in + n * imageStrideIn, inH, inW, bias, act,
                         out + n * imageStrideOut, outH, outW, n * tilesPerImage, fullBlockEnd,
                         splitSumTile,
                         !rowVectorU_.empty() && tilesPerImage < kRowVectorTiles ? &rowVectorU_ : nullptr};
    switch (alpha_ * 10 + unit_) {
      case 42: winograd42(args); break;
      case 64: winograd64(args); break;
      case 86: winograd86(args); break;
      case 62: winograd62(args); break;
      case 84: winograd84(args); break;
      default: winograd82(args); break;
    }
  }
}

}  // namespace mnnq::exec
