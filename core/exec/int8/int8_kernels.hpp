// Int8 simulation entry point for the executor, and the int8 kernels it dispatches to.
#pragma once

#include "int8_plan.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mnnq::exec::int8 {

// The kernel op `op` runs with under MNN's int8 semantics: an int8 kernel when the plan says
// MNN runs it in int8, the float kernel followed by the int8 copy when MNN materialises its
// output with an int8 Raster, else `floatKernel` unchanged. `ctx` is the op's planning context
// (outputs filled by the float factory).
std::unique_ptr<OpKernel> simulatedKernel(const Int8Plan& plan, int op, const OpContext& ctx,
                                          std::unique_ptr<OpKernel> floatKernel);

// Convolution / ConvolutionDepthwise with coded int8 weights (int8_conv.cpp).
std::unique_ptr<OpKernel> makeConvInt8(const OpContext& ctx, const QuantAttr& in, const QuantAttr& out);

// MNN runs a Convolution op in int8 with its int8 Winograd executor whenever the op carries
// symmetricQuan.winogradAttr (int8_winograd.cpp). "" when makeConvInt8 reproduces that
// executor for `op` (or MNN would not use it), else why not: makeConvInt8 then computes the
// plain int8 convolution, which only approximates MNN's result.
std::string winogradInt8Gap(const schema::OpT& op);

// What makeConvInt8 decoded, for the Winograd executor.
struct WinogradConvInputs {
  int inChannels = 0, outChannels = 0, padY = 0, padX = 0;
  std::vector<int8_t> weight;  // [oc][ic][kY][kX], coded values
  std::vector<float> alpha, bias;  // per output channel
  bool relu = false;  // common.relu or relu6
  QuantAttr in, out;  // tensor attributes
};
std::unique_ptr<OpKernel> makeConvInt8Winograd(const OpContext& ctx, const WinogradConvInputs& in);

// Windowed Pooling3D whose lowered pools MNN runs in int8 with attribute `a` (int8_pooling3d.cpp).
std::unique_ptr<OpKernel> makeWindowedPooling3DInt8(const OpContext& ctx, const QuantAttr& a);

}  // namespace mnnq::exec::int8
