#include "winograd.hpp"

#include "padded_plane.hpp"
#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>

namespace mnnq::exec {

bool Winograd3x3::suits(const ConvGeometry& g) {
  return g.kernelY == 3 && g.kernelX == 3 && g.strideY == 1 && g.strideX == 1 &&
         g.dilateY == 1 && g.dilateX == 1 && g.group == 1 && g.inChannels >= 16 &&
         g.outChannels >= 16;
}

namespace {

// Transform matrices of F(M x M, 3x3) with interpolation points 0, +-1, +-2 (and infinity):
// Y = AT [ (G g GT) .* (BT d B) ] A on input tiles of N = M + 2.
template <int M>
struct Transform;

template <>
struct Transform<2> {
  static constexpr int N = 4;
  static constexpr float BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  static constexpr float AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};

template <>
struct Transform<4> {
  static constexpr int N = 6;
  static constexpr float BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                     {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                     {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  static constexpr float AT[4][6] = {
      {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

// U[pos] = (G g GT)[pos] for every (output, input) channel pair, in double, then packed.
template <int M>
std::vector<PackedMatrix> transformWeights(const ConvGeometry& g, const float* weight) {
  using T = Transform<M>;
  constexpr int N = T::N;
  const int O = g.outChannels, C = g.inChannels;
  std::vector<std::vector<float>> u(N * N, std::vector<float>(size_t(O) * C));
  for (int o = 0; o < O; ++o)
    for (int c = 0; c < C; ++c) {
      const float* k = weight + (size_t(o) * C + c) * 9;
      double gk[N][3];  // G g
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < 3; ++j)
          gk[i][j] = T::G[i][0] * k[j] + T::G[i][1] * k[3 + j] + T::G[i][2] * k[6 + j];
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j)
          u[i * N + j][size_t(o) * C + c] =
              float(gk[i][0] * T::G[j][0] + gk[i][1] * T::G[j][1] + gk[i][2] * T::G[j][2]);
    }
  std::vector<PackedMatrix> packed;
  for (int pos = 0; pos < N * N; ++pos) packed.emplace_back(u[pos].data(), O, C, C);
  return packed;
}

// One image by F(M x M, 3x3). Tiles go in blocks; for each block: transformed input
// V[pos][c][tile], then N*N GEMMs M[pos] = U[pos] V[pos], then the output transform.
template <int M>
[[gnu::always_inline]] inline void winogradImage(const ConvGeometry& g,
                                                 const std::vector<PackedMatrix>& u,
                                                 const float* in, int inH, int inW,
                                                 const float* bias, Activation act, float* out,
                                                 int outH, int outW) {
  using T = Transform<M>;
  constexpr int N = T::N, P = N * N;
  const int C = g.inChannels, O = g.outChannels;
  const int th = (outH + M - 1) / M, tw = (outW + M - 1) / M, tiles = th * tw;

  // Zero-padded input with its columns dealt into M sub-planes: tile (ty, tx) reads padded rows
  // M*ty .. M*ty+N-1 and, for its column j, sub-plane j % M at index tx + j / M, so 8
  // neighbouring tiles read 8 consecutive floats. 8 spare columns let those loads run past the
  // last tile.
  PaddedPlane plane;
  plane.phases = M;
  plane.rows = M * th + 2;
  plane.width = tw + 9;
  float* padded = scratch(1, size_t(C) * plane.size());
  for (int c = 0; c < C; ++c) {
    PaddedPlane pc = plane;
    pc.data = padded + size_t(c) * plane.size();
    fillPlane(in + size_t(c) * inH * inW, inH, inW, g.padTop, g.padLeft, pc);
  }
  const size_t phaseStride = size_t(plane.rows) * plane.width;

  // Tiles per block: transformed input (P x C) and products (P x O) of a block in ~512 KiB.
  const int TB = std::max(16, std::min(512, int((512 * 1024 / 4) / (P * (C + O))) / 16 * 16));
  // Rows of V have 8 spare columns: the last 8-tile store of a row may run past the block.
  const int ldv = TB + 8;
  float* V = scratch(2, size_t(P) * C * ldv);
  float* Mp = scratch(0, size_t(P) * O * TB + 8);
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);

  for (int t0 = 0; t0 < tiles; t0 += TB) {
    const int nb = std::min(TB, tiles - t0);
    // 1. V[pos][c][t] = (BT d B)[pos], 8 tiles at a time.
    for (int c = 0; c < C; ++c) {
      const float* base = padded + size_t(c) * plane.size();
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        const int run = std::min(t0 + nb - t, tw - tx);  // tiles left in this tile row
        for (int k = 0; k < run; k += 8) {
          v8 d[N][N];
          for (int i = 0; i < N; ++i) {
            const float* row = base + size_t(M * ty + i) * plane.width + tx + k;
            for (int j = 0; j < N; ++j) d[i][j] = V8_LOAD(row + (j % M) * phaseStride + j / M);
          }
          v8 r[N][N];  // BT d
          for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
              v8 s = V8_SPLAT(0.f);
              for (int q = 0; q < N; ++q)
                if (T::BT[i][q] != 0) s += T::BT[i][q] * d[q][j];
              r[i][j] = s;
            }
          float* v = V + size_t(c) * ldv + (t - t0) + k;
          const size_t posStride = size_t(C) * ldv;
          for (int i = 0; i < N; ++i)  // (BT d) B
            for (int j = 0; j < N; ++j) {
              v8 s = V8_SPLAT(0.f);
              for (int q = 0; q < N; ++q)
                if (T::BT[j][q] != 0) s += T::BT[j][q] * r[i][q];
              V8_STORE(v + (i * N + j) * posStride, s);
            }
        }
        t += run;
      }
    }
    // 2. M[pos] = U[pos] V[pos]: output channels x tiles.
    for (int pos = 0; pos < P; ++pos)
      gemmBiasAct(u[pos], V + size_t(pos) * C * ldv, ldv, nb, nullptr, Activation::None,
                  Mp + size_t(pos) * O * TB, TB);
    // 3. Y = AT m A + bias, activation, into the output.
    for (int o = 0; o < O; ++o) {
      const v8 b = V8_SPLAT(bias ? bias[o] : 0.f);
      float* y = out + size_t(o) * outH * outW;
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        const int run = std::min(t0 + nb - t, tw - tx);
        for (int k = 0; k < run; k += 8) {
          const float* m = Mp + size_t(o) * TB + (t - t0) + k;
          const size_t posStride = size_t(O) * TB;
          v8 s[M][N];  // AT m
          for (int j = 0; j < N; ++j) {
            v8 col[N];
            for (int i = 0; i < N; ++i) col[i] = V8_LOAD(m + (i * N + j) * posStride);
            for (int i = 0; i < M; ++i) {
              v8 a = V8_SPLAT(0.f);
              for (int q = 0; q < N; ++q)
                if (T::AT[i][q] != 0) a += T::AT[i][q] * col[q];
              s[i][j] = a;
            }
          }
          // q[i][j][lane]: output (M*ty + i, M*(tx + k + lane) + j).
          float q[M][M][8];
          for (int i = 0; i < M; ++i)
            for (int j = 0; j < M; ++j) {
              v8 a = b;
              for (int p = 0; p < N; ++p)
                if (T::AT[j][p] != 0) a += T::AT[j][p] * s[i][p];
              if (act != Activation::None) {
                a = a > zero ? a : zero;
                if (act == Activation::Relu6) a = a < six ? a : six;
              }
              V8_STORE(q[i][j], a);
            }
          const int cnt = std::min(8, run - k);
          const int x0 = M * (tx + k), y0 = M * ty;
          const int width = std::min(M * cnt, outW - x0);
          for (int i = 0; i < M && y0 + i < outH; ++i) {
            float* row = y + size_t(y0 + i) * outW + x0;
            for (int e = 0; e < width; ++e) row[e] = q[i][e % M][e / M];
          }
        }
        t += run;
      }
    }
  }
}

MNNQ_HOT void winogradF2(const ConvGeometry& g, const std::vector<PackedMatrix>& u,
                         const float* in, int inH, int inW, const float* bias, Activation act,
                         float* out, int outH, int outW) {
  winogradImage<2>(g, u, in, inH, inW, bias, act, out, outH, outW);
}

MNNQ_HOT void winogradF4(const ConvGeometry& g, const std::vector<PackedMatrix>& u,
                         const float* in, int inH, int inW, const float* bias, Activation act,
                         float* out, int outH, int outW) {
  winogradImage<4>(g, u, in, inH, inW, bias, act, out, outH, outW);
}

}  // namespace

Winograd3x3::Winograd3x3(const ConvGeometry& g, const float* weight, int unit)
    : g_(g), unit_(unit) {
  if (unit != 2 && unit != 4) throw std::invalid_argument("Winograd unit must be 2 or 4");
  u_ = unit == 4 ? transformWeights<4>(g, weight) : transformWeights<2>(g, weight);
}

void Winograd3x3::run(const float* in, int inH, int inW, const float* bias, Activation act,
                      float* out, int outH, int outW) const {
  if (outH <= 0 || outW <= 0) return;
  if (unit_ == 4) winogradF4(g_, u_, in, inH, inW, bias, act, out, outH, outW);
  else winogradF2(g_, u_, in, inH, inW, bias, act, out, outH, outW);
}

}  // namespace mnnq::exec
