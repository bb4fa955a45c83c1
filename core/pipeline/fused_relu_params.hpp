// Output parameters of BinaryOps with a fused ReLU (activationType 1).
//
// MNN's int8 BinaryOp (CPUBinaryInt8) implements the fused ReLU by clamping the int8 result
// from below at 0, whatever the output zero point is: it clamps at real value -zero * scale
// instead of 0. With symmetric parameters (KL, ADMM: zero 0) that is exact. With EMA's
// asymmetric parameters a ReLU output gets zero -127, so every value below 127 * scale, about
// half the range, is raised to it (UltraFace RFB-320 from ONNX: boxes cosine -0.4 in MNN's
// int8 runtime, MNN's own EMA file is broken the same way). Such outputs therefore get zero
// point 0 and the scale that keeps the calibrated maximum: int8 0 then means real 0, and the
// cost is one bit of resolution on these tensors.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

namespace mnnq {

// Rewrites the parameters of those outputs in `params`; returns the number of tensors changed.
int zeroPointsAtFusedRelu(const Graph& graph, TensorParams& params);

}  // namespace mnnq
