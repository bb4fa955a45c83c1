// Results computed in float that only reach graph outputs stay float.
//
// MNN's CPU runtime runs an op in int8 only when every input carries int8 parameters
// (mnn-quantizer-facts.md D.2.3). When the op computing a tensor cannot (one of its non-constant
// inputs has no parameters, for instance one kept float by keepComparedTensorsFloat), its result
// is float.
// If that result, or the data movement from it to a graph output (MLSD:
// Mul -> ConvertTensor -> scores), still had parameters, the runtime would quantize it only to
// copy it in int8 and dequantize it again for the caller: no int8 arithmetic is gained and
// precision is lost. Worse, a calibrated range that clips (KL) cuts the rare large values of a
// sparse output: MLSD's score peaks (up to ~0.9) came out clipped at 0.09.
// Such tensors (computed in float, read by no op other than data movement towards the graph
// outputs) are left without parameters. Tensors that a computing op reads keep theirs: that op
// may run in int8 and needs them.
#pragma once

#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <functional>
#include <string>
#include <vector>

namespace mnnq {

// `variable(t)`: tensor t is a float tensor computed from the graph inputs (not a constant),
// i.e. one the runtime needs parameters for to run its reader in int8.
// Removes those parameters from `params`; returns the names of the tensors that had some.
std::vector<std::string> keepFloatResultsFloat(const Graph& graph,
                                               const std::function<bool(int)>& variable,
                                               TensorParams& params);

}  // namespace mnnq
