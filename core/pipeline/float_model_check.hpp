// A run quantizes float models only: a model that already carries int8 weights or tensor
// quant infos is refused before any sample is read (re-quantizing would calibrate the
// dequantized graph and write "0 int8 convolutions" as if nothing were wrong).
#pragma once

#include "mnnq/core/graph.hpp"

namespace mnnq {

// Throws ModelError naming the file and what makes it quantized.
void requireFloatModel(const Graph& graph);

}  // namespace mnnq
