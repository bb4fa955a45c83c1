#include "scale_dump.hpp"

namespace mnnq {

nlohmann::json scaleDump(const Graph& source, const TensorParams& params) {
  auto entry = [&](int tensor) {
    auto it = params.find(tensor);
    const float scale = it == params.end() ? 0.0f : it->second.scale;
    const float zero = it == params.end() ? 0.0f : it->second.zero;
    return nlohmann::json{{"tensorIndex", tensor},
                          {"scales", nlohmann::json::array({scale})},
                          {"zeropoint", nlohmann::json::array({zero})}};
  };
  nlohmann::json ops = nlohmann::json::array();
  for (int i = 0; i < source.numOps(); ++i) {
    const schema::OpT& op = source.op(i);
    if (op.type == schema::OpType_Raster) continue;
    nlohmann::json item{{"name", op.name}};
    nlohmann::json inputs = nlohmann::json::array();
    for (int t : op.inputIndexes)
      if (t >= 0 && params.count(t)) inputs.push_back(entry(t));
    if (!inputs.empty()) item["inputs"] = std::move(inputs);
    nlohmann::json outputs = nlohmann::json::array();
    for (int t : op.outputIndexes) outputs.push_back(entry(t));
    if (!outputs.empty()) item["outputs"] = std::move(outputs);
    ops.push_back(std::move(item));
  }
  return ops;
}

}  // namespace mnnq
