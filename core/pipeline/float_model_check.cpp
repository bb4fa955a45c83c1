#include "float_model_check.hpp"

#include "mnnq/core/inspect.hpp"

#include <string>

namespace mnnq {

void requireFloatModel(const Graph& graph) {
  const InspectQuantization q = inspectModel(graph, 0).quantization;
  if (!q.quantized()) return;
  std::string what;
  auto add = [&](int n, const std::string& text) {
    if (n > 0) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + text;
  };
  add(q.int8_convolutions, "int8 convolution(s)");
  add(q.coded_weight_only, "convolution(s) with coded weights");
  add(q.legacy_int8_ops, "legacy int8 op(s)");
  add(q.tensors_with_quant_info, "tensor(s) with quant info");
  throw ModelError(graph.source() + " is already quantized (" + what +
                   "); give the float model it was made from (`mnnq inspect` shows a model's "
                   "quantization state)");
}

}  // namespace mnnq
