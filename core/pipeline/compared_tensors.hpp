// Tensors that must stay float because the model compares them.
//
// Peak pickers such as MLSD's `Equal(x, MaxPool(x))` keep a value where it equals its
// neighbourhood maximum. Quantizing x turns every flat run of nearly equal values into exact
// ties, so the int8 model reports many false peaks (MLSD's scores cosine drops from ~1 to
// ~0.3). The inputs of comparison BinaryOps (EQUAL, NOTEQUAL, GREATER, GREATER_EQUAL, LESS,
// LESS_EQUAL) are therefore left without parameters, together with every tensor they are
// derived from through data movement and pooling, back to the op that computed the values.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <string>
#include <vector>

namespace mnnq {

// Removes those tensors from `params`; returns their names.
std::vector<std::string> keepComparedTensorsFloat(const Graph& graph, TensorParams& params);

}  // namespace mnnq
