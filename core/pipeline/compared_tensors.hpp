// Tensors that must stay float because the model compares them.
//
// Peak pickers such as MLSD's `Equal(x, MaxPool(x))` keep a value where it equals its
// neighbourhood maximum. Quantizing x turns every flat run of nearly equal values into exact
// ties, so the int8 model reports many false peaks (MLSD's scores cosine drops from ~1 to
// ~0.3). The same happens when x is only a tie-preserving function of a quantized tensor: an
// element-wise function (Sigmoid, ReLU, x*c, ...), a resize, data movement or pooling maps
// equal inputs to equal outputs, and bilinear resizing of a quantized map is quantized on a
// finer grid. The inputs of comparison BinaryOps (EQUAL, NOTEQUAL, GREATER, GREATER_EQUAL,
// LESS, LESS_EQUAL) are therefore left without parameters, together with every tensor they
// are derived from through such ops, back to (and including) the output of the op that
// computed the values from several values (a convolution, an add of two tensors, ...): that
// op then runs in float and its result is continuous-valued even when its inputs are int8.
//
// In MLSD this matters twice: the compared score logits are channel 0 of a 16-channel
// convolution whose other channels are pixel offsets of range +-77, so with one per-tensor
// scale the logits were on a grid of 0.65, i.e. only a few distinct sigmoid levels.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <set>
#include <string>
#include <vector>

namespace mnnq {

// The graph tensors compared by the model and those they are derived from as described above
// (with or without parameters).
std::set<int> comparedTensors(const Graph& graph, const TensorParams& params);

// Removes the comparedTensors() from `params`; returns the names of those that had parameters.
std::vector<std::string> keepComparedTensorsFloat(const Graph& graph, TensorParams& params);

}  // namespace mnnq
