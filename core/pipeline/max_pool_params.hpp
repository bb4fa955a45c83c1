// Max pooling that MNN's int8 runtime would get wrong runs in float.
//
// MNN 3.6's x86 int8 max pooling (MNNMaxPoolInt8 on the u = q + 128 bytes it stores) compares
// those bytes as *signed* int8: every negative q ranks above every non-negative one, so a window
// that holds both returns its largest negative value instead of its maximum (a window of
// {-3, 40} in q returns -3). MNN runs a Pooling in int8 when its input and output carry the same
// (scale, zero); KL's scale sharing and MNN's own attribute propagation both arrange exactly
// that. Inputs whose q is never negative (a ReLU-like producer and zero point >= 0) are safe;
// any other max pool — after hard-swish, a convolution without ReLU, an add, or any tensor
// with EMA's asymmetric zero point (-127 after a ReLU, so most values have q < 0) — would pick
// wrong maxima, and every later op inherits them.
//
// For those pools the output gets the input's parameters with the scale one float step larger:
// MNN then runs the pool in float between its casts (exact maxima), and the values written
// downstream are unchanged. Tensors that copied the output's parameters through data movement,
// pooling or resizing follow, so their int8 rasters keep matching scales.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <string>
#include <vector>

namespace mnnq {

// Rewrites the parameters in `params`; returns the names of the pools now left in float.
std::vector<std::string> floatSignedMaxPools(const Graph& graph, TensorParams& params);

// Whether every value of `tensor` is >= 0 by construction: produced (possibly through data
// movement, pooling or nearest/bilinear resizing) by ReLU, ReLU6, a convolution with a fused
// ReLU/ReLU6, a BinaryOp with a fused ReLU, or Sigmoid.
bool nonNegativeByConstruction(const Graph& graph, int tensor);

}  // namespace mnnq
