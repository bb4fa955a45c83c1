// What "leave an op in float" means in a written file, shared by skip_quant_op_names, the
// per-op sensitivity and the quality target.
//
// An op listed in skip_quant_op_names keeps its float weights (convolutions), gets no int8
// lookup table (unary ops), and its output tensors get no quantization parameters, so the op
// computes and hands on exact float values. MNN's CPU runtime runs an op in int8 only when all
// its inputs carry int8 parameters, so the ops that read such a float output run in float too
// (a convolution among them is then written with float weights as well: it could not use its
// int8 ones). Their own outputs keep their parameters, so the ops after them are int8 again.
// MNN passes parameters on through ReLU, ReLU6, pooling, resizing and data movement (reshape,
// concat, ...): outputs of such ops reached from a skipped op's output lose their parameters
// too, or the runtime would hand them back. For the same reason listing such an op itself
// (e.g. a max pool whose input is int8) does not make it float: the runtime gives its output
// its input's parameters (the run says so in a note).
#pragma once

#include "../tensor_params.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <set>
#include <string>
#include <vector>

namespace mnnq {

// Tensors that must have no parameters so that the outputs of `ops` stay float (see above).
std::set<int> tensorsKeptFloat(const Graph& graph, const std::set<std::string>& ops);

// Removes those tensors from `params`. Returns the names of listed ops whose output MNN would
// quantize anyway (propagating ops with an int8 input), for a note.
std::vector<std::string> keepSkippedOutputsFloat(const Graph& graph, const std::set<std::string>& ops,
                                                 TensorParams& params);

// Ops MNN passes quantization parameters through (ReLU, ReLU6, pooling, resizing, data movement).
bool propagatesParams(const schema::OpT& op);

// Ops a quality analysis may leave in float: not an Input, not an op that only passes
// parameters on, and its first output has parameters. In execution order.
std::vector<int> floatCandidateOps(const Graph& graph, const Executor& executor,
                                   const TensorParams& params, const std::set<std::string>& skip);

// Multiply-accumulates of one forward of a Convolution, ConvolutionDepthwise or Deconvolution
// op (0 for other ops), from the executor's inferred shapes of `graph`.
double convMacs(const Graph& graph, const Executor& executor, int op);

// Share of convolution MACs that run in int8 in `quantized` (ops matched by name to `graph`,
// whose executor gives the shapes): a convolution counts as int8 when it carries coded weights
// and both its input and output carry parameters. 1 when the model has no convolution.
double int8ConvMacShare(const Graph& graph, const Executor& executor, const schema::NetT& quantized);

}  // namespace mnnq
