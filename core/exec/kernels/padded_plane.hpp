// A zero-bordered copy of one image plane, for direct convolution kernels (depthwise, Winograd)
// that then read windows without bounds checks. With a horizontal stride S the padded columns
// are dealt into S sub-planes (padded column x goes to sub-plane x % S at x / S), so the taps of
// S-strided windows at consecutive output columns are consecutive floats of one sub-plane.
#pragma once

#include <cstddef>

namespace mnnq::exec {

struct PaddedPlane {
  int rows = 0, width = 0, phases = 1;  // `phases` sub-planes of rows x width floats
  float* data = nullptr;                // phases * rows * width floats, owned by the caller
  std::size_t size() const { return std::size_t(phases) * rows * width; }
  float* row(int phase, int y) const { return data + (std::size_t(phase) * rows + y) * width; }
};

// Padded (y, x) <- in(y - padTop, x - padLeft) for in of inH x inW, 0 outside it.
// bordersZeroed: the zero border is already in place (the same plane geometry was filled
// before), so only the values from `in` are written.
void fillPlane(const float* in, int inH, int inW, int padTop, int padLeft, const PaddedPlane& p,
               bool bordersZeroed = false);

}  // namespace mnnq::exec
