// `<output>.json`: MNN's per-op scale dump (mnn-quantizer-facts.md B.8), so scripts written for
// quantized.out's dump keep working: one object per op of the source model (Raster ops excepted)
// with the scale and zero point of each input tensor that has parameters and of every output tensor
// (0 when it has none).
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

namespace mnnq {

nlohmann::json scaleDump(const Graph& source, const TensorParams& params);

}  // namespace mnnq
