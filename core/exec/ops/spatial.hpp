// 4-D image tensors in either layout. Kernels work on NCHW; an NHWC tensor is converted on the
// way in and out (MNN does the same: its image ops run on NC4HW4 copies of NHWC tensors).
#pragma once

#include "../op_kernel.hpp"

namespace mnnq::exec {

struct SpatialShape {
  int n = 1, c = 1, h = 1, w = 1;
};

SpatialShape spatialShape(const TensorInfo& t, const char* what);
TensorInfo spatialOutput(const TensorInfo& in, int n, int c, int h, int w);

// fn(x, n, c, h, w, y, outC, outH, outW) on NCHW buffers.
using SpatialFn = std::function<void(const float*, int, int, int, int, float*, int, int, int)>;
std::unique_ptr<OpKernel> spatialKernel(const TensorInfo& in, const TensorInfo& out, SpatialFn fn);

}  // namespace mnnq::exec
