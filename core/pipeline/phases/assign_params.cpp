// Phase assign_params: the calibrator's parameters become parameters per graph tensor, then
// the host's rules decide which tensors keep them: a tensor without a usable range (constant
// zero, say) stays float rather than getting MNN's scale 0; scales are shared across data
// movement when the calibrator asks; fused-ReLU BinaryOps get zero point 0; compared tensors
// and float results only copied to outputs stay float; max pools whose int8 input can be
// negative are left to run in float.
#include "phases.hpp"

#include "../quality/float_ops.hpp"

#include "../compared_tensors.hpp"
#include "../float_outputs.hpp"
#include "../fused_relu_params.hpp"
#include "../max_pool_params.hpp"
#include "../scale_sharing.hpp"

#include <cmath>
#include <set>

namespace mnnq::phases {

void assignParams(const RunContext&, const RunSettings&, RunState& state) {
  const Graph& graph = *state.graph;
  const Executor& executor = *state.executor;
  const CalibrationTensors& tensors = *state.tensors;
  RunSummary& summary = state.summary;
  TensorParams& params = state.params;
  if (state.table) {  // scales_from: the table's parameters as they are (they were written so)
    params = state.table->params;
    state.left_float = state.table->left_float;
    for (const auto& [tensor, reason] : state.left_float)
      summary.tensors_without_params.push_back(graph.tensorName(tensor) + ": " + reason);
    summary.tensors_quantized = params.size();
    return;
  }
  std::set<int> from_calibrator;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const mnnq_feature_params& p = state.outcome.params[i];
    if (!p.valid) continue;
    if (!(p.scale > 0.0f) || !std::isfinite(p.scale) || !std::isfinite(p.zero)) {
      summary.tensors_without_params.push_back(tensors.tensors()[i].name +
                                               ": no usable range (scale " +
                                               std::to_string(p.scale) + ")");
      continue;
    }
    params[tensors.tensors()[i].tensor] = p;
    from_calibrator.insert(tensors.tensors()[i].tensor);
  }
  if (state.calibrator->sharesScales()) shareScales(graph, executor.executionOrder(), params);
  if (const int n = zeroPointsAtFusedRelu(graph, params))
    summary.notes.push_back(std::to_string(n) +
                            " BinaryOp output(s) with a fused ReLU given zero point 0 (MNN's int8 "
                            "BinaryOp clamps at int8 0, not at the zero point)");
  for (const auto& name : keepComparedTensorsFloat(graph, params))
    summary.tensors_without_params.push_back(name + ": compared by the model (int8 would create ties)");
  const auto variable = [&](int t) {
    return executor.dtype(t) == DType::Float32 && !executor.isConstant(t);
  };
  for (const auto& name : keepFloatResultsFloat(graph, variable, params))
    summary.tensors_without_params.push_back(
        name + ": computed in float and only copied to a graph output (int8 would only lose precision)");
  if (const auto pools = floatSignedMaxPools(graph, params); !pools.empty()) {
    std::string list;
    for (const auto& name : pools) list += (list.empty() ? "" : ", ") + name;
    summary.notes.push_back(std::to_string(pools.size()) +
                            " max pooling op(s) left to run in float (" + list +
                            "): their int8 input can be negative, and MNN's x86 int8 max pooling "
                            "then returns wrong maxima (it ranks every negative value above every "
                            "non-negative one)");
  }
  // skip_quant_op_names: the listed ops' outputs stay float (../quality/float_ops.hpp).
  for (const auto& name : keepSkippedOutputsFloat(graph, state.skip_ops, params))
    summary.notes.push_back("op '" + name + "' is listed in skip_quant_op_names, but MNN passes its "
                            "int8 input's parameters on to its output: it still runs in int8");
  summary.tensors_quantized = params.size();

  // Why each calibrated tensor without parameters has none (the scale table's "reason").
  for (const CalibrationTensor& c : tensors.tensors()) {
    if (params.count(c.tensor)) continue;
    std::string reason;
    const std::string prefix = c.name + ": ";
    for (const auto& line : summary.tensors_without_params)
      if (line.compare(0, prefix.size(), prefix) == 0) reason = line.substr(prefix.size());
    if (reason.empty())
      reason = from_calibrator.count(c.tensor)
                   ? "output of an op in skip_quant_op_names, or passed on from one"
                   : "no parameters from the calibrator";
    state.left_float[c.tensor] = reason;
  }
}

}  // namespace mnnq::phases
