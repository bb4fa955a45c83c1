// Single-threaded SGEMM on row-major matrices (OpenBLAS). Callers parallelise across samples,
// so the BLAS library must never start its own threads: initGemm() pins it to one thread.
#pragma once

namespace mnnq::exec {

// Call once before the first gemm (idempotent, thread-safe).
void initGemm();

// C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C, row-major with leading dimensions.
void gemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace mnnq::exec
