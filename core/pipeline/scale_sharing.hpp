// Makes feature scales consistent across ops that only move data, so the MNN runtime can run
// them in int8 (it does so only when input and output share scale and zero point,
// mnn-quantizer-facts.md D.2). This is MNN's rule for KL (mnn-quantizer-facts.md C.5), applied to
// the file's ops instead of MNN's lowered Raster commands:
//   1. Single-input data movement (Reshape, Permute, Transpose, Flatten, Squeeze, Unsqueeze,
//      ExpandDims, ConvertTensor, Slice/SliceTf/StridedSlice, Crop, Padding, Tile, BroadcastTo)
//      and pooling: outputs take the input's parameters (values are a subset of the input's,
//      or averages of them). Nearest and bilinear Interp (resize) likewise: mnnq's addition,
//      MNN's tool gives the resized tensor its own KL scale. A resized value is a convex
//      combination of input values, so the input's range covers it; a separate, tighter KL
//      threshold would clip a second time what the input's threshold already kept (MLSD's
//      decoder: a 12% tighter range on the upsampled map shifted the score logits by about -1)
//      and makes MNN's int8 Interp requantize. MNN's runtime itself propagates one attribute
//      through Interp when the output has none (mnn-quantizer-facts.md D.2.2).
//   2. Concat: every input takes the output's parameters (the output range covers all
//      inputs, so nothing is clipped). MNN merges chains of data movement into the concat's
//      Raster, so the rule reaches back through them: in conv -> Permute -> Reshape -> Concat
//      the convolution's output takes the concat's parameters too (this is what MNN's own
//      files show for the detection heads of UltraFace and BlazeFace).
// Parameters are only copied from tensors that have them.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <vector>

namespace mnnq {

// `order`: op indexes in execution order. Returns the number of tensors whose parameters changed.
int shareScales(const Graph& graph, const std::vector<int>& order, TensorParams& params);

}  // namespace mnnq
