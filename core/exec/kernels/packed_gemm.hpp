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

 private:
  int M_ = 0, K_ = 0;
  std::vector<float> data_;
};

// C[m][n] (row stride ldc) = act(sum_k A[m][k] * B[k][n] + bias[m]) for n in [0, N).
// bias may be null. Single-threaded.
void gemmBiasAct(const PackedMatrix& A, const float* B, int ldb, int N, const float* bias,
                 Activation act, float* C, int ldc);

}  // namespace mnnq::exec
