// What the host knows about each MNN op type, in one table (core/model/op_traits.cpp, one row
// per op type) that the executor, the int8 simulation and the quantization pipeline consult.
// Adding an op: one row there (if it has any of the traits below) plus its kernel in exec/ops.
//
// The traits are deliberately separate columns even where they look alike: each reproduces
// one rule with its own reason (two "data movement" lists, for instance: what mnnq may share a
// scale across, and what MNN's int8 runtime lowers to Raster copies), and merging two would
// change either the written parameters or the simulation of MNN.
#pragma once

#include "mnnq/core/schema.hpp"

#include <cstdint>

namespace mnnq {

enum OpTrait : uint32_t {
  // Convolution with float weights that the rewrite turns into int8 weights (IDST-coded,
  // per-channel alphas) when input and output have parameters.
  kOpQuantizableConv = 1u << 0,
  // A quantizable convolution whose weights are laid out [out channel][in][kernel] (not the
  // transposed [in][out] of Deconvolution): the per-output-channel rules apply to it directly
  // (weight fake-quantization for calibration passes, bias correction, activation folding).
  kOpForwardConv = 1u << 1,
  // One data input only moved, reshaped or cut (later inputs are shapes or indexes): every
  // output value is an input value, so the pipeline carries quantization parameters through it
  // unchanged (scale sharing, float results, compared tensors).
  kOpMovesData = 1u << 2,
  // MNN's geometry stage lowers the op to Raster copies, which its int8 runtime executes on
  // int8 data with the input's parameters (the int8 simulation follows it). Wider than
  // kOpMovesData: also multi-input copies (Concat, Pack) and pure rearrangements.
  kOpMnnRaster = 1u << 3,
  // MNN's pipeline copies the quant attribute of the op's input to its output (the CPU
  // backend's short list), so the int8 simulation does too.
  kOpMnnPropagatesQuant = 1u << 4,
  // Pooling: max keeps input values, average stays within the input's range; both keep the
  // input's scale and preserve ties.
  kOpPooling = 1u << 5,
  // Element-wise function of one tensor (constant per-channel factors at most) or resizing:
  // equal inputs give equal outputs, so ties of a compared tensor trace back through it.
  kOpPreservesTies = 1u << 6,
  // Output depends on the inputs' shapes only, not their values (shape, rank, size; PriorBox's
  // anchor boxes): the executor folds it to a constant even when its inputs vary, as MNN does
  // (OpCommonUtils::opNeedContent is false for every input, so buildConstantTensors marks the
  // outputs CONSTANT and they are computed once, in float, outside the int8 command stream).
  kOpShapeOnly = 1u << 7,
};

// The traits of an op type (0 for types without a row).
uint32_t opTraits(int op_type);

inline bool hasOpTrait(int op_type, OpTrait trait) { return (opTraits(op_type) & trait) != 0; }

// Nearest (resizeType 1) or bilinear (2) Interp: every output value is an input value or a
// convex combination of input values, so it lies within the input's range (cubic and other
// kernels can overshoot). Depends on the op's parameters, so it is not a column.
bool isRangeKeepingResize(const schema::OpT& op);

}  // namespace mnnq
