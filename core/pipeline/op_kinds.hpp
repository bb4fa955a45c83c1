// Op categories the pipeline's graph rules share (scale sharing, compared tensors).
#pragma once

#include "mnnq/core/schema.hpp"

namespace mnnq {

// Ops whose single data input is only moved, reshaped or cut: every output value is an input
// value, so quantization parameters carry over unchanged.
inline bool isSingleInputDataMovement(schema::OpType type) {
  switch (type) {
    case schema::OpType_Reshape:
    case schema::OpType_Permute:
    case schema::OpType_Transpose:
    case schema::OpType_Flatten:
    case schema::OpType_Squeeze:
    case schema::OpType_Unsqueeze:
    case schema::OpType_ExpandDims:
    case schema::OpType_ConvertTensor:
    case schema::OpType_Slice:
    case schema::OpType_SliceTf:
    case schema::OpType_StridedSlice:
    case schema::OpType_Crop:
    case schema::OpType_Padding:
    case schema::OpType_Tile:
    case schema::OpType_BroadcastTo:
      return true;
    default:
      return false;
  }
}

inline bool isPooling(schema::OpType type) {
  return type == schema::OpType_Pooling || type == schema::OpType_Pooling3D;
}

// Nearest (resizeType 1) or bilinear (2) resizing: every output value is an input value or a
// convex combination of input values, so it lies within the input's range. (Cubic and other
// kernels can overshoot.)
inline bool isRangeKeepingResize(const schema::OpT& op) {
  if (op.type != schema::OpType_Interp) return false;
  const auto* interp = op.main.AsInterp();
  return interp && (interp->resizeType == 1 || interp->resizeType == 2);
}

}  // namespace mnnq
