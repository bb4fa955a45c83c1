// Int8 simulation entry point for the executor, and the int8 kernels it dispatches to.
#pragma once

#include "int8_plan.hpp"

#include <memory>

namespace mnnq::exec::int8 {

// The kernel op `op` runs with under MNN's int8 semantics: an int8 kernel when the plan says
// MNN runs it in int8, the float kernel followed by the int8 copy when MNN materialises its
// output with an int8 Raster, else `floatKernel` unchanged. `ctx` is the op's planning context
// (outputs filled by the float factory).
std::unique_ptr<OpKernel> simulatedKernel(const Int8Plan& plan, int op, const OpContext& ctx,
                                          std::unique_ptr<OpKernel> floatKernel);

// Convolution / ConvolutionDepthwise with coded int8 weights (int8_conv.cpp).
std::unique_ptr<OpKernel> makeConvInt8(const OpContext& ctx, const QuantAttr& in, const QuantAttr& out);

// Windowed Pooling3D whose lowered pools MNN runs in int8 with attribute `a` (int8_pooling3d.cpp).
std::unique_ptr<OpKernel> makeWindowedPooling3DInt8(const OpContext& ctx, const QuantAttr& a);

}  // namespace mnnq::exec::int8
