// Sampling geometry of an Interp op (MNN's ShapeInterp output size and _ConverterInterp
// scale/offset), shared by the float kernel and the int8 simulation.
#pragma once

#include "../kernels/interp.hpp"
#include "../op_kernel.hpp"

namespace mnnq::exec {

// Output height/width and x_src = x_dst * scale + offset per axis. Throws UnsupportedOp for
// modes the executor does not implement.
InterpGeometry interpGeometry(const OpContext& ctx, int& outH, int& outW);

}  // namespace mnnq::exec
