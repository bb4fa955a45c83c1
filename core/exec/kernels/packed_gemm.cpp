#include "packed_gemm.hpp"

#include "scratch.hpp"
#include "simd.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq::exec {

PackedMatrix::PackedMatrix(const float* A, int M, int K, int lda) : M_(M), K_(K) {
  const int blocks = (M + kRows - 1) / kRows;
  // 8 spare floats: a vector load of a block's last kRows values may read past them.
  data_.assign(size_t(blocks) * K * kRows + 8, 0.f);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k)
      data_[(size_t(m / kRows) * K + k) * kRows + m % kRows] = A[size_t(m) * lda + k];
}

RowVectorMatrix::RowVectorMatrix(const float* A, int M, int K, int lda)
    : M_(M), K_(K), ld_((M + kLanes - 1) / kLanes * kLanes) {
  data_.assign(size_t(K) * ld_, 0.f);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) data_[size_t(k) * ld_ + m] = A[size_t(m) * lda + k];
}

namespace {

constexpr int kR = PackedMatrix::kRows;

// The first `cols` (< 16) floats of tmp to c. Not memcpy: GCC inlines a variable-length
// memcpy as `rep movsq`, whose start-up cost more than the whole 6 x 8 tile of a short last
// strip (16 % of the GEMM time on Winograd's 35-tile products); the empty asm keeps the loop
// from being turned back into such a copy.
[[gnu::always_inline]] inline void storeColumns(float* c, const float* tmp, int cols) {
  int j = 0;
  if (cols >= 8) {
    V8_STORE(c, V8_LOAD(tmp));
    j = 8;
  }
  for (; j < cols; ++j) {
    c[j] = tmp[j];
    asm("" ::: "memory");
  }
}

// R rows x 8H columns of C (H = 2: 16 columns; H = 1: 8, for a last strip of at most 8
// columns, which would otherwise spend half its multiplies on padding -- Winograd's GEMMs on a
// few tiles are only such strips). Each lane gets the same FMAs in the same order either way.
// `a` is the packed block, B points at column n of row 0.
// GCC 12 reports lo[0] "maybe uninitialized" in the 8-wide instantiations although every
// element is set first (a known false positive with vector-type arrays).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <int R, int H>
[[gnu::always_inline]] inline void tile(const float* __restrict a, const float* __restrict B,
                                        size_t ldb, int K, const float* bias, bool biasLast,
                                        Activation act, float* C, size_t ldc, int cols) {
  v8 lo[R], hi[R];  // columns 0-7 and (H = 2) 8-15
  for (int r = 0; r < R; ++r) {
    const v8 b = V8_SPLAT(bias && !biasLast ? bias[r] : 0.f);
    lo[r] = b;
    hi[r] = b;
  }
  for (int k = 0; k < K; ++k) {
    const float* b = B + k * ldb;
    const v8 b0 = V8_LOAD(b);
    const float* ak = a + k * kR;
    if constexpr (H == 2) {
      const v8 b1 = V8_LOAD(b + 8);
      for (int r = 0; r < R; ++r) {
        const v8 av = V8_SPLAT(ak[r]);
        lo[r] += av * b0;
        hi[r] += av * b1;
      }
    } else {
      for (int r = 0; r < R; ++r) lo[r] += V8_SPLAT(ak[r]) * b0;
    }
  }
  if (bias && biasLast)
    for (int r = 0; r < R; ++r) {
      const v8 b = V8_SPLAT(bias[r]);
      lo[r] = lo[r] + b;
      hi[r] = hi[r] + b;
    }
  if (act != Activation::None) {
    const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
    for (int r = 0; r < R; ++r) {
      lo[r] = lo[r] > zero ? lo[r] : zero;  // also maps NaN to 0, as max(x, 0) does
      hi[r] = hi[r] > zero ? hi[r] : zero;
      if (act == Activation::Relu6) {
        lo[r] = lo[r] < six ? lo[r] : six;
        hi[r] = hi[r] < six ? hi[r] : six;
      }
    }
  }
  const v8* acc[2] = {lo, hi};
  if (cols == 8 * H) {
    for (int r = 0; r < R; ++r)
      for (int h = 0; h < H; ++h) V8_STORE(C + r * ldc + 8 * h, acc[h][r]);
  } else {
    float tmp[8 * H];
    for (int r = 0; r < R; ++r) {
      for (int h = 0; h < H; ++h) V8_STORE(tmp + 8 * h, acc[h][r]);
      storeColumns(C + r * ldc, tmp, cols);
    }
  }
}
#pragma GCC diagnostic pop

// 12 rows (two full packed blocks) x 8 columns: for a narrow last strip one 6 x 8 tile has only
// 6 FMA chains, too few to hide the FMA latency; two blocks at once give 12. Same per-lane
// arithmetic as tile<6, 1> on each block.
[[gnu::always_inline]] inline void narrowPair(const float* __restrict a, const float* __restrict a2,
                                              const float* __restrict B, size_t ldb, int K,
                                              const float* bias, bool biasLast, Activation act,
                                              float* C, size_t ldc, int cols) {
  v8 acc[2 * kR];
  for (int r = 0; r < 2 * kR; ++r) acc[r] = V8_SPLAT(bias && !biasLast ? bias[r] : 0.f);
  for (int k = 0; k < K; ++k) {
    const v8 b0 = V8_LOAD(B + k * ldb);
    const float* ak = a + k * kR;
    const float* ak2 = a2 + k * kR;
    for (int r = 0; r < kR; ++r) acc[r] += V8_SPLAT(ak[r]) * b0;
    for (int r = 0; r < kR; ++r) acc[kR + r] += V8_SPLAT(ak2[r]) * b0;
  }
  const v8 zero = V8_SPLAT(0.f), six = V8_SPLAT(6.f);
  for (int r = 0; r < 2 * kR; ++r) {
    v8 v = acc[r];
    if (bias && biasLast) v = v + V8_SPLAT(bias[r]);
    if (act != Activation::None) {
      v = v > zero ? v : zero;
      if (act == Activation::Relu6) v = v < six ? v : six;
    }
    if (cols == 8) {
      V8_STORE(C + r * ldc, v);
    } else {
      float tmp[8];
      V8_STORE(tmp, v);
      storeColumns(C + r * ldc, tmp, cols);
    }
  }
}

template <int H>
[[gnu::always_inline]] inline void tileRows(int rows, const float* a, const float* B, size_t ldb,
                                            int K, const float* bias, bool biasLast, Activation act,
                                            float* C, size_t ldc, int cols) {
  switch (rows) {
    case 6: tile<6, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
    case 5: tile<5, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
    case 4: tile<4, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
    case 3: tile<3, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
    case 2: tile<2, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
    default: tile<1, H>(a, B, ldb, K, bias, biasLast, act, C, ldc, cols); break;
  }
}

// Strip n0 of B (16 columns, K rows) into `panel` when it must be copied (see gemmStrips);
// false when the tiles read B in place.
[[gnu::always_inline]] inline bool copyStrip(const float* B, int ldb, int N, int K, int blocks,
                                             int n0, float* panel) {
  const int cols = std::min(16, N - n0);
  if (cols < 16) {
    // Last partial strip: copy it into a zero-padded 16-wide panel so the tile reads freely.
    // Inline stores: two library calls per k cost more than the copy on short strips
    // (Winograd's 64 GEMMs of 35 tiles each end in a 3-column strip).
    const v8 zero = V8_SPLAT(0.f);
    for (int k = 0; k < K; ++k) {
      float* p = panel + size_t(k) * 16;
      const float* src = B + size_t(k) * ldb + n0;
      V8_STORE(p, zero);
      V8_STORE(p + 8, zero);
      for (int j = 0; j < cols; ++j) p[j] = src[j];
    }
    return true;
  }
  if (blocks == 1) return false;
  // Several row blocks will read this strip: a contiguous copy (K lines of 64 bytes instead
  // of K rows far apart) keeps it in L1 and the prefetcher on one stream.
  for (int k = 0; k < K; ++k) {
    V8_STORE(panel + size_t(k) * 16, V8_LOAD(B + size_t(k) * ldb + n0));
    V8_STORE(panel + size_t(k) * 16 + 8, V8_LOAD(B + size_t(k) * ldb + n0 + 8));
  }
  return true;
}

MNNQ_HOT void gemmStrips(const PackedMatrix& A, const float* B, int ldb, int N, const float* bias,
                         bool biasLast, Activation act, float* C, int ldc) {
  const int M = A.rows(), K = A.depth();
  const int blocks = (M + kR - 1) / kR;
  // Two panels: the next strip is copied before this one's tiles store their results. Copied
  // after them, its loads could wait on those stores when C's rows sit just past B's modulo
  // 4 KiB (same address bits to the CPU's store-forwarding check; plane strides that are
  // multiples of 4 KiB, 32x32 and 64x64 pixels, keep that for every row): 30 % slower
  // pointwise layers on blazeface's 64x64 planes, depending on where the tensors happened to
  // be allocated.
  float* panels = scratch(3, size_t(K) * 32);
  bool copied = copyStrip(B, ldb, N, K, blocks, 0, panels);
  for (int n0 = 0, s = 0; n0 < N; n0 += 16, ++s) {
    const int cols = std::min(16, N - n0);
    float* panel = panels + size_t(s % 2) * K * 16;
    const float* b = copied ? panel : B + n0;
    const size_t bStride = copied ? 16 : size_t(ldb);
    if (n0 + 16 < N)
      copied = copyStrip(B, ldb, N, K, blocks, n0 + 16, panels + size_t((s + 1) % 2) * K * 16);
    for (int blk = 0; blk < blocks; ++blk) {
      const int m0 = blk * kR;
      if (cols <= 8 && m0 + 2 * kR <= M) {
        narrowPair(A.block(blk), A.block(blk + 1), b, bStride, K, bias ? bias + m0 : nullptr,
                   biasLast, act, C + size_t(m0) * ldc + n0, size_t(ldc), cols);
        ++blk;
        continue;
      }
      if (cols > 8)
        tileRows<2>(std::min(kR, M - m0), A.block(blk), b, bStride, K, bias ? bias + m0 : nullptr,
                    biasLast, act, C + size_t(m0) * ldc + n0, size_t(ldc), cols);
      else
        tileRows<1>(std::min(kR, M - m0), A.block(blk), b, bStride, K, bias ? bias + m0 : nullptr,
                    biasLast, act, C + size_t(m0) * ldc + n0, size_t(ldc), cols);
    }
  }
}

// R vectors of rows (8R output channels) x NC columns: NC * R FMA chains, one broadcast of B per
// column and k. `a` points at A'[0][m0], `b` at B[0][n0], `c` at C[n0][m0].
template <int R, int NC>
[[gnu::always_inline]] inline void rowTile(const float* __restrict a, size_t lda,
                                           const float* __restrict b, size_t ldb, size_t ldn,
                                           int K, float* c, size_t ldc) {
  v8 acc[NC][R];
  for (int n = 0; n < NC; ++n)
    for (int r = 0; r < R; ++r) acc[n][r] = V8_SPLAT(0.f);
  for (int k = 0; k < K; ++k) {
    v8 av[R];
    for (int r = 0; r < R; ++r) av[r] = V8_LOAD(a + k * lda + 8 * r);
    for (int n = 0; n < NC; ++n) {
      const v8 bk = V8_SPLAT(b[k * ldb + n * ldn]);
      for (int r = 0; r < R; ++r) acc[n][r] += av[r] * bk;
    }
  }
  for (int n = 0; n < NC; ++n)
    for (int r = 0; r < R; ++r) V8_STORE(c + n * ldc + 8 * r, acc[n][r]);
}

template <int R>
[[gnu::always_inline]] inline void rowTileColumns(int cols, const float* a, size_t lda,
                                                  const float* b, size_t ldb, size_t ldn, int K,
                                                  float* c, size_t ldc) {
  switch (cols) {
    case 4: rowTile<R, 4>(a, lda, b, ldb, ldn, K, c, ldc); break;
    case 3: rowTile<R, 3>(a, lda, b, ldb, ldn, K, c, ldc); break;
    case 2: rowTile<R, 2>(a, lda, b, ldb, ldn, K, c, ldc); break;
    default: rowTile<R, 1>(a, lda, b, ldb, ldn, K, c, ldc); break;
  }
}

MNNQ_HOT void gemmRowVectors(const RowVectorMatrix& A, const float* B, size_t ldb, size_t ldn,
                             int N, int splitColumn, float* C, size_t ldc) {
  const int K = A.depth(), lda = A.paddedRows();
  const float* a0 = A.data();
  // Row vectors in groups of at most 3 (up to 12 chains with 4 columns, 15 of AVX2's 16
  // registers with the loaded A vectors), 4 as 2 + 2.
  for (int v0 = 0, vectors = lda / 8; v0 < vectors;) {
    const int R = vectors - v0 == 4 ? 2 : std::min(3, vectors - v0);
    const float* a = a0 + 8 * v0;
    for (int n0 = 0; n0 < N;) {
      // Columns up to the split one, the split one alone, the rest.
      int end = std::min(N, n0 + 4);
      if (splitColumn >= n0 && splitColumn < end) end = splitColumn == n0 ? n0 + 1 : splitColumn;
      float* c = C + size_t(n0) * ldc + 8 * v0;
      if (n0 == splitColumn) {
        // As mnnSplitSumColumn per output: k % 4 over whole groups of 4, (0 + 2) + (1 + 3),
        // then the remaining k one by one.
        const int whole = K / 4 * 4;
        for (int r = 0; r < R; ++r) {
          v8 part[4] = {V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f)};
          const float* ar = a + 8 * r;
          for (int k = 0; k < whole; k += 4)
            for (int j = 0; j < 4; ++j)
              part[j] += V8_LOAD(ar + (k + j) * size_t(lda)) * V8_SPLAT(B[(k + j) * ldb + n0 * ldn]);
          v8 sum = (part[0] + part[2]) + (part[1] + part[3]);
          for (int k = whole; k < K; ++k) sum += V8_LOAD(ar + k * size_t(lda)) * V8_SPLAT(B[k * ldb + n0 * ldn]);
          V8_STORE(c + 8 * r, sum);
        }
      } else {
        const int cols = end - n0;
        switch (R) {
          case 3: rowTileColumns<3>(cols, a, lda, B + n0 * ldn, ldb, ldn, K, c, ldc); break;
          case 2: rowTileColumns<2>(cols, a, lda, B + n0 * ldn, ldb, ldn, K, c, ldc); break;
          default: rowTileColumns<1>(cols, a, lda, B + n0 * ldn, ldb, ldn, K, c, ldc); break;
        }
      }
      n0 = end;
    }
    v0 += R;
  }
}

}  // namespace

void gemmFewColumns(const RowVectorMatrix& A, const float* B, size_t ldb, size_t ldn, int N,
                    int splitColumn, float* C, size_t ldc) {
  if (A.rows() == 0 || N <= 0) return;
  gemmRowVectors(A, B, ldb, ldn, N, splitColumn, C, ldc);
}

void gemmBiasAct(const PackedMatrix& A, const float* B, int ldb, int N, const float* bias,
                 Activation act, float* C, int ldc, bool biasLast) {
  if (A.rows() == 0 || N <= 0) return;
  gemmStrips(A, B, ldb, N, bias, biasLast, act, C, ldc);
}

int mnnSplitSumPixel(int totalPixels) {
  int left = totalPixels % kMnnPixelBlock;
  if (left >= 20) left -= 20;
  if (left >= 16) left -= 16;
  while (left >= 5) left -= 5;
  return left == 1 ? totalPixels - 1 : -1;
}

float mnnSplitSum(const PackedMatrix& A, int m, const float* b, size_t ldb) {
  const int K = A.depth(), whole = K / 4 * 4;
  float part[4] = {0.f, 0.f, 0.f, 0.f};
  for (int k = 0; k < whole; ++k) part[k % 4] = std::fma(A.at(m, k), b[k * ldb], part[k % 4]);
  float sum = (part[0] + part[2]) + (part[1] + part[3]);
  for (int k = whole; k < K; ++k) sum = std::fma(A.at(m, k), b[k * ldb], sum);
  return sum;
}

MNNQ_HOT void mnnSplitSumColumn(const PackedMatrix& A, const float* b, size_t ldb, float* out,
                                size_t ldo) {
  // The rows of a packed block are consecutive: one vector holds a tap of all kR rows (lanes
  // past kR read the next tap, or the matrix's padding, and are dropped). Per lane this is
  // exactly the scalar split sum, with the same FMAs.
  // Two blocks at a time: 8 independent FMA chains instead of 4 hide the FMA latency (a
  // fully connected layer, one pixel, is nothing but this loop). Each lane's arithmetic is
  // unchanged.
  const int M = A.rows(), K = A.depth(), whole = K / 4 * 4;
  const int blocks = (M + kR - 1) / kR;
  int blk = 0;
  for (; blk + 1 < blocks; blk += 2) {
    const float* a = A.block(blk);
    const float* a2 = A.block(blk + 1);
    v8 part[4] = {V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f)};
    v8 part2[4] = {V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f)};
    for (int k = 0; k < whole; k += 4)
      for (int j = 0; j < 4; ++j) {
        const v8 bk = V8_SPLAT(b[(k + j) * ldb]);
        part[j] += V8_LOAD(a + (k + j) * kR) * bk;
        part2[j] += V8_LOAD(a2 + (k + j) * kR) * bk;
      }
    v8 sum = (part[0] + part[2]) + (part[1] + part[3]);
    v8 sum2 = (part2[0] + part2[2]) + (part2[1] + part2[3]);
    for (int k = whole; k < K; ++k) {
      const v8 bk = V8_SPLAT(b[k * ldb]);
      sum += V8_LOAD(a + k * kR) * bk;
      sum2 += V8_LOAD(a2 + k * kR) * bk;
    }
    float lanes[8];
    V8_STORE(lanes, sum);
    for (int r = 0; r < kR; ++r) out[size_t(blk * kR + r) * ldo] = lanes[r];
    V8_STORE(lanes, sum2);
    for (int r = 0; r < kR && (blk + 1) * kR + r < M; ++r) out[size_t((blk + 1) * kR + r) * ldo] = lanes[r];
  }
  for (; blk < blocks; ++blk) {
    const float* a = A.block(blk);
    v8 part[4] = {V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f), V8_SPLAT(0.f)};
    for (int k = 0; k < whole; k += 4)
      for (int j = 0; j < 4; ++j) part[j] += V8_LOAD(a + (k + j) * kR) * V8_SPLAT(b[(k + j) * ldb]);
    v8 sum = (part[0] + part[2]) + (part[1] + part[3]);
    for (int k = whole; k < K; ++k) sum += V8_LOAD(a + k * kR) * V8_SPLAT(b[k * ldb]);
    float lanes[8];
    V8_STORE(lanes, sum);
    for (int r = 0; r < kR && blk * kR + r < M; ++r) out[size_t(blk * kR + r) * ldo] = lanes[r];
  }
}

void gemmMnnRounding(const PackedMatrix& A, const float* B, int ldb, int N, int firstPixel,
                     int totalPixels, const float* bias, Activation act, float* C, int ldc) {
  if (A.rows() == 0 || N <= 0) return;
  const int fullEnd = totalPixels / kMnnPixelBlock * kMnnPixelBlock;
  const int split = std::min(N, std::max(0, fullEnd - firstPixel));  // columns in full blocks
  const int single = mnnSplitSumPixel(totalPixels) - firstPixel;  // the last pixel, if any
  const int end = single >= 0 && single < N ? single : N;
  if (split > 0) gemmStrips(A, B, ldb, split, bias, false, act, C, ldc);
  if (split < end) gemmStrips(A, B + split, ldb, end - split, bias, true, act, C + split, ldc);
  if (end == N) return;
  mnnSplitSumColumn(A, B + single, size_t(ldb), C + single, size_t(ldc));
  for (int m = 0; m < A.rows(); ++m) {
    float v = C[size_t(m) * ldc + single];
    if (bias) v = v + bias[m];
    if (act != Activation::None) v = std::max(v, 0.f);
    if (act == Activation::Relu6) v = std::min(v, 6.f);
    C[size_t(m) * ldc + single] = v;
  }
}

}  // namespace mnnq::exec
