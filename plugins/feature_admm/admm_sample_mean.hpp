// Per-sample form of the ADMM feature scale: solve MNN's iteration (C.4) on each sample's values
// alone, then average the per-sample alphas over the samples.
//
// Why it exists (README, "mnnq and quantized.out"): the dataset-wide optimum of
// sum (x - alpha q)^2 is set by the rare extreme values of all samples together. On UltraFace
// RFB-320 the first activation's exact optimum (0.0426) keeps values up to 5.4 unclipped
// although few samples reach them, and the model's output loses accuracy to the coarse grid
// (cosine 0.9810 in real MNN). A scale fitted per sample and averaged over samples follows the
// typical range, the way EMA averages per-batch ranges; it gives 0.9893 there (MNN's own ADMM
// file: 0.9895). On other models the data-set optimum is better, so this is an option
// (admm_scope "sample"). MNN's 300 iterations from alpha0 = M / (2.5 Cf) often end before the
// fixed point on one sample (the step shrinks to ~0.05 % per iteration); the per-sample alpha
// is that of 300 iterations, as MNN defines the method, not the fixed point.
//
// One observe() call is one sample of one tensor. Large samples go through a histogram
// (admm_histogram.hpp) with that sample's own max|x|, small ones through the exact iteration.
// Alphas are kept per (tensor, sample) and averaged in sample order, so the result does not
// depend on which thread saw which sample.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace mnnq {
namespace methods {

// MNN's iteration (300 steps from alpha0 = M / (2.5 Cf)) on one sample's values; 0 when every
// value is 0 or non-finite.
float solveAdmmSample(const float* data, uint64_t count, int clamp);

class AdmmSampleMean {
 public:
  // Solves one sample and records its alpha. Thread-safe.
  void add(uint64_t sample, const float* data, uint64_t count, int clamp);

  // Mean of the non-zero per-sample alphas in sample order (a sample where the tensor is all
  // zero says nothing about its scale); 0 when there is none.
  float mean() const;

 private:
  mutable std::mutex mutex_;
  std::map<uint64_t, float> alphas_;
};

}  // namespace methods
}  // namespace mnnq
