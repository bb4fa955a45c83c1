// C = act(A * B + bias) for convolutions, A being the weights: packed once at construction,
// multiplied on every forward by a register-blocked kernel (6 rows x 16 columns of C in AVX2
// registers) with the bias and the activation applied before C is stored, so the output is
// written once. B is row-major with any row stride: the input itself for pointwise convolutions,
// a column panel for im2col.
//
// Why not OpenBLAS here: convolutions are many small products (M = output channels, often
// 16..96; K = input channels x taps; N = pixels) whose output then needs a bias/activation pass;
// on rfb320 and blazeface sgemm + that pass took 2-3x the time of this kernel (bench/README.md).
#pragma once

#include "activation.hpp"

#include <cstddef>
#include <vector>

namespace mnnq::exec {

class PackedMatrix {
 public:
  static constexpr int kRows = 6;  // rows of A per register block
  PackedMatrix() = default;
  // A: M x K row-major with row stride lda.
  PackedMatrix(const float* A, int M, int K, int lda);
  int rows() const { return M_; }
  int depth() const { return K_; }
  // Block b: K groups of kRows values (row-major rows b*kRows.., zero beyond M).
  const float* block(int b) const { return data_.data() + std::size_t(b) * K_ * kRows; }
  // A[m][k] as given.
  float at(int m, int k) const { return data_[(std::size_t(m / kRows) * K_ + k) * kRows + m % kRows]; }

 private:
  int M_ = 0, K_ = 0;
  std::vector<float> data_;
};

// A stored k-major, each k's column of rows padded with zeros to whole vectors of kLanes:
// A'[k][m]. For products with only a few columns (Winograd on a few tiles): vectorised over
// the rows (output channels) instead of the columns, the vectors stay full.
class RowVectorMatrix {
 public:
  static constexpr int kLanes = 8;
  RowVectorMatrix() = default;
  // A: M x K row-major with row stride lda.
  RowVectorMatrix(const float* A, int M, int K, int lda);
  int rows() const { return M_; }
  int depth() const { return K_; }
  int paddedRows() const { return ld_; }  // M rounded up to whole vectors; the row stride of A'
  const float* data() const { return data_.data(); }

 private:
  int M_ = 0, K_ = 0, ld_ = 0;
  std::vector<float> data_;
};

// C[n][m] (C transposed: row stride ldc >= A.paddedRows(), m in [0, A.paddedRows()), rows past
// M get 0) = sum_k A[m][k] * B[k][n] for n in [0, N), each sum from 0 over k in order with FMAs
// -- per output the same arithmetic as gemmBiasAct without bias --, except column splitColumn
// (if in [0, N)), summed as mnnSplitSumColumn sums it. B[k][n] is B[k * ldb + n * ldn]. Meant
// for N below ~16.
void gemmFewColumns(const RowVectorMatrix& A, const float* B, size_t ldb, size_t ldn, int N,
                    int splitColumn, float* C, size_t ldc);

// C[m][n] (row stride ldc) = act(sum_k A[m][k] * B[k][n] + bias[m]) for n in [0, N).
// bias may be null. The sum runs over k in order with FMAs, starting from the bias, or from 0
// with the bias added at the end when biasLast. Single-threaded.
void gemmBiasAct(const PackedMatrix& A, const float* B, int ldb, int N, const float* bias,
                 Activation act, float* C, int ldc, bool biasLast = false);

// MNN's x86 AVX2 GEMM takes the pixels (columns) of an image in blocks of this many.
constexpr int kMnnPixelBlock = 24;

// The same product for columns [firstPixel, firstPixel + N) of a convolution over
// totalPixels output pixels, rounded as MNN's CPU GEMM rounds each pixel: pixels in complete
// blocks of kMnnPixelBlock start from the bias; the leftover pixels start from 0 and get the
// bias at the end; a single leftover pixel that MNN's remainder kernel takes alone (see
// mnnSplitSumPixel) sums k in four interleaved parts.
void gemmMnnRounding(const PackedMatrix& A, const float* B, int ldb, int N, int firstPixel,
                     int totalPixels, const float* bias, Activation act, float* C, int ldc);

// The pixel of `totalPixels` whose product MNN's remainder kernel computes alone, with its
// sum over k split in four (k % 4, whole groups of 4, added as (0 + 2) + (1 + 3), then the
// rest of k one by one), or -1: the last pixel, when the leftover pixels after complete
// blocks, taken 20, 16, then 5 at a time, leave exactly one.
int mnnSplitSumPixel(int totalPixels);

// That split sum for one output: sum over k of A[m][k] * b[k * ldb].
float mnnSplitSum(const PackedMatrix& A, int m, const float* b, size_t ldb);
// The same for every row m of A at once: out[m * ldo].
void mnnSplitSumColumn(const PackedMatrix& A, const float* b, size_t ldb, float* out, size_t ldo);

}  // namespace mnnq::exec
