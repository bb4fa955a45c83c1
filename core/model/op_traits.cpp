// The op-traits table: one row per op type that has any trait (mnnq/core/op_traits.hpp says
// what each column means and why the columns are separate).
#include "mnnq/core/op_traits.hpp"

#include <array>

namespace mnnq {
namespace {

using namespace schema;

struct OpRow {
  OpType type;
  uint32_t traits;
};

constexpr uint32_t kConv = kOpQuantizableConv | kOpForwardConv;
// Moved by mnnq's scale rules and lowered to Raster by MNN.
constexpr uint32_t kMove = kOpMovesData | kOpMnnRaster;

constexpr OpRow kRows[] = {
    // Convolutions.
    {OpType_Convolution, kConv},
    {OpType_ConvolutionDepthwise, kConv},
    {OpType_Deconvolution, kOpQuantizableConv},

    // Data movement.
    {OpType_Reshape, kMove},
    {OpType_Permute, kMove},
    {OpType_Transpose, kMove},
    {OpType_Flatten, kMove},
    {OpType_Squeeze, kMove},
    {OpType_Unsqueeze, kMove},
    {OpType_ExpandDims, kMove},
    {OpType_ConvertTensor, kMove},
    {OpType_Slice, kMove},
    {OpType_SliceTf, kMove},
    {OpType_StridedSlice, kMove},
    {OpType_Crop, kMove},
    {OpType_Padding, kMove},
    {OpType_Tile, kMove},
    {OpType_BroadcastTo, kMove},
    {OpType_Identity, kOpMnnRaster},
    {OpType_Concat, kOpMnnRaster},
    {OpType_Pack, kOpMnnRaster},
    {OpType_Unpack, kOpMnnRaster},
    {OpType_DepthToSpace, kOpMnnRaster},
    {OpType_SpaceToDepth, kOpMnnRaster},
    {OpType_Raster, kOpMnnPropagatesQuant},

    // Pooling and resizing.
    {OpType_Pooling, kOpPooling | kOpMnnPropagatesQuant},
    {OpType_Pooling3D, kOpPooling},
    {OpType_Interp, kOpPreservesTies | kOpMnnPropagatesQuant},
    {OpType_CropAndResize, kOpMnnPropagatesQuant},
    {OpType_ROIPooling, kOpMnnPropagatesQuant},

    // Element-wise functions of one tensor.
    {OpType_ReLU, kOpPreservesTies | kOpMnnPropagatesQuant},
    {OpType_ReLU6, kOpPreservesTies | kOpMnnPropagatesQuant},
    {OpType_UnaryOp, kOpPreservesTies},
    {OpType_Sigmoid, kOpPreservesTies},
    {OpType_TanH, kOpPreservesTies},
    {OpType_ELU, kOpPreservesTies},
    {OpType_Selu, kOpPreservesTies},
    {OpType_PReLU, kOpPreservesTies},
    {OpType_Scale, kOpPreservesTies},
    {OpType_BatchNorm, kOpPreservesTies},

    // Shape queries, and PriorBox (anchor boxes from the feature map's and image's sizes).
    {OpType_Shape, kOpShapeOnly},
    {OpType_Rank, kOpShapeOnly},
    {OpType_Size, kOpShapeOnly},
    {OpType_PriorBox, kOpShapeOnly},
};

struct TraitIndex {
  std::array<uint32_t, OpType_MAX + 1> traits{};
  constexpr TraitIndex() {
    for (const OpRow& row : kRows) traits[row.type] |= row.traits;
  }
};

constexpr TraitIndex kIndex;

}  // namespace

uint32_t opTraits(int op_type) {
  if (op_type < 0 || op_type > OpType_MAX) return 0;
  return kIndex.traits[static_cast<size_t>(op_type)];
}

bool isRangeKeepingResize(const schema::OpT& op) {
  if (op.type != OpType_Interp) return false;
  const auto* interp = op.main.AsInterp();
  return interp && (interp->resizeType == 1 || interp->resizeType == 2);
}

}  // namespace mnnq
