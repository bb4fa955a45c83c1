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

Winograd3x3::Winograd3x3(const ConvGeometry& g, const float* weight) : g_(g) {
  const int O = g.outChannels, C = g.inChannels;
  // U = G g G' with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], per (output, input) channel.
  static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<std::vector<float>> u(16, std::vector<float>(size_t(O) * C));
  for (int o = 0; o < O; ++o)
    for (int c = 0; c < C; ++c) {
      const float* k = weight + (size_t(o) * C + c) * 9;
      double gk[4][3];  // G g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j)
          gk[i][j] = G[i][0] * k[j] + G[i][1] * k[3 + j] + G[i][2] * k[6 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          u[i * 4 + j][size_t(o) * C + c] =
              float(gk[i][0] * G[j][0] + gk[i][1] * G[j][1] + gk[i][2] * G[j][2]);
    }
  for (int pos = 0; pos < 16; ++pos) u_.emplace_back(u[pos].data(), O, C, C);
}

namespace {

typedef int v8i __attribute__((vector_size(32)));

MNNQ_HOT void winogradImage(const ConvGeometry& g, const std::vector<PackedMatrix>& u,
                            const float* in, int inH, int inW, const float* bias, Activation act,
                            float* out, int outH, int outW) {
  const int C = g.inChannels, O = g.outChannels;
  const int th = (outH + 1) / 2, tw = (outW + 1) / 2, T = th * tw;

  // Zero-padded input split into even and odd columns: tile (ty, tx) reads rows 2ty..2ty+3 and
  // columns tx, tx+1 of both sub-planes. 8 spare columns let 8-tile loads run past the last tile.
  PaddedPlane plane;
  plane.phases = 2;
  plane.rows = 2 * th + 2;
  plane.width = tw + 9;
  float* padded = scratch(1, size_t(C) * plane.size());
  for (int c = 0; c < C; ++c) {
    PaddedPlane pc = plane;
    pc.data = padded + size_t(c) * plane.size();
    fillPlane(in + size_t(c) * inH * inW, inH, inW, g.padTop, g.padLeft, pc);
  }

  // Tiles per block: transformed input (16 x C) and products (16 x O) of a block in ~512 KiB.
  const int TB = std::max(16, std::min(512, int((512 * 1024 / 4) / (16 * (C + O))) / 16 * 16));
  // Rows of V have 8 spare columns: the last 8-tile store of a row may run past the block.
  const int ldv = TB + 8;
  float* V = scratch(2, size_t(16) * C * ldv);
  float* M = scratch(0, size_t(16) * O * TB + 8);
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
  const v8i lo = {0, 8, 1, 9, 2, 10, 3, 11}, hi = {4, 12, 5, 13, 6, 14, 7, 15};

  for (int t0 = 0; t0 < T; t0 += TB) {
    const int nb = std::min(TB, T - t0);
    // 1. V[pos][c][t] = (B' d B)[pos] for every tile t of the block, 8 tiles at a time.
    for (int c = 0; c < C; ++c) {
      const float* base = padded + size_t(c) * plane.size();
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        const int run = std::min(t0 + nb - t, tw - tx);  // tiles left in this tile row
        for (int k = 0; k < run; k += 8) {
          v8 d[4][4];
          for (int i = 0; i < 4; ++i) {
            const float* e = base + size_t(2 * ty + i) * plane.width + tx + k;
            const float* od = e + size_t(plane.rows) * plane.width;
            d[i][0] = V8_LOAD(e);
            d[i][1] = V8_LOAD(od);
            d[i][2] = V8_LOAD(e + 1);
            d[i][3] = V8_LOAD(od + 1);
          }
          v8 r[4][4];  // B' d  (B' = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1])
          for (int j = 0; j < 4; ++j) {
            r[0][j] = d[0][j] - d[2][j];
            r[1][j] = d[1][j] + d[2][j];
            r[2][j] = d[2][j] - d[1][j];
            r[3][j] = d[1][j] - d[3][j];
          }
          float* v = V + size_t(c) * ldv + (t - t0) + k;
          const size_t posStride = size_t(C) * ldv;
          for (int i = 0; i < 4; ++i) {  // (B' d) B
            V8_STORE(v + (i * 4 + 0) * posStride, r[i][0] - r[i][2]);
            V8_STORE(v + (i * 4 + 1) * posStride, r[i][1] + r[i][2]);
            V8_STORE(v + (i * 4 + 2) * posStride, r[i][2] - r[i][1]);
            V8_STORE(v + (i * 4 + 3) * posStride, r[i][1] - r[i][3]);
          }
        }
        t += run;
      }
    }
    // 2. M[pos] = U[pos] V[pos]: output channels x tiles.
    for (int pos = 0; pos < 16; ++pos)
      gemmBiasAct(u[pos], V + size_t(pos) * C * ldv, ldv, nb, nullptr, Activation::None,
                  M + size_t(pos) * O * TB, TB);
    // 3. Y = A' m A (A' = [1 1 1 0; 0 1 -1 -1]) + bias, activation, into the output.
    for (int o = 0; o < O; ++o) {
      const v8 b = V8_SPLAT(bias ? bias[o] : 0.f);
      float* y = out + size_t(o) * outH * outW;
      for (int t = t0; t < t0 + nb;) {
        const int ty = t / tw, tx = t % tw;
        const int run = std::min(t0 + nb - t, tw - tx);
        for (int k = 0; k < run; k += 8) {
          const float* m = M + size_t(o) * TB + (t - t0) + k;
          const size_t posStride = size_t(O) * TB;
          v8 s[2][4];
          for (int j = 0; j < 4; ++j) {
            const v8 m0 = V8_LOAD(m + (0 * 4 + j) * posStride), m1 = V8_LOAD(m + (1 * 4 + j) * posStride);
            const v8 m2 = V8_LOAD(m + (2 * 4 + j) * posStride), m3 = V8_LOAD(m + (3 * 4 + j) * posStride);
            s[0][j] = m0 + m1 + m2;
            s[1][j] = m1 - m2 - m3;
          }
          v8 q[2][2];
          for (int i = 0; i < 2; ++i) {
            q[i][0] = s[i][0] + s[i][1] + s[i][2] + b;
            q[i][1] = s[i][1] - s[i][2] - s[i][3] + b;
            for (int j = 0; j < 2; ++j) {
              if (act == Activation::None) continue;
              v8 a = q[i][j] > zero ? q[i][j] : zero;
              if (act == Activation::Relu6) a = a < six ? a : six;
              q[i][j] = a;
            }
          }
          const int cnt = std::min(8, run - k);
          const int x0 = 2 * (tx + k), y0 = 2 * ty;
          for (int i = 0; i < 2 && y0 + i < outH; ++i) {
            float* row = y + size_t(y0 + i) * outW + x0;
            const v8 a = __builtin_shuffle(q[i][0], q[i][1], lo);
            const v8 c2 = __builtin_shuffle(q[i][0], q[i][1], hi);
            if (cnt == 8 && x0 + 16 <= outW) {
              V8_STORE(row, a);
              V8_STORE(row + 8, c2);
            } else {
              float tmp[16];
              V8_STORE(tmp, a);
              V8_STORE(tmp + 8, c2);
              const int n = std::min(2 * cnt, outW - x0);
              for (int e = 0; e < n; ++e) row[e] = tmp[e];
            }
          }
        }
        t += run;
      }
    }
  }
}

}  // namespace

void Winograd3x3::run(const float* in, int inH, int inW, const float* bias, Activation act,
                      float* out, int outH, int outW) const {
  if (outH <= 0 || outW <= 0) return;
  winogradImage(g_, u_, in, inH, inW, bias, act, out, outH, outW);
}

}  // namespace mnnq::exec
