#include "sensitivity.hpp"

#include "float_ops.hpp"

#include "../parallel_samples.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace mnnq {
namespace {

struct Nothing {};

}  // namespace

SensitivityResult rankOpSensitivity(const Graph& float_graph, const Executor& executor,
                                    const std::vector<int>& candidates,
                                    const std::set<std::string>& already_float,
                                    const VariantFactory& variants, const QualityEvaluator& evaluator,
                                    const QualityReport& baseline, const SensitivityOptions& options) {
  SensitivityResult result;
  result.baseline = baseline;
  const double base_score = baseline.worstCosineMean();
  for (int i = 0; i < float_graph.numOps(); ++i) result.model_conv_macs += convMacs(float_graph, executor, i);
  const auto& outputs = float_graph.outputs();
  std::vector<OpSensitivity> rows(candidates.size());
  Progress progress(options.phase, candidates.size(), options.quiet, options.progress);
  // One variant per worker: building a variant (rewrite, executor plan) is serial work, so
  // spreading variants over the threads keeps them busy; each evaluation runs on one thread.
  forEachSampleInParallel<Nothing>(candidates.size(), options.threads, progress, [&](size_t k, Nothing&) {
    const int index = candidates[k];
    const schema::OpT& op = float_graph.op(index);
    OpSensitivity& row = rows[k];
    row.op = index;
    row.name = op.name;
    row.type = schema::EnumNameOpType(op.type);
    for (int t : op.inputIndexes)
      if (t >= 0 && !executor.isConstant(t)) row.inputs.push_back(float_graph.tensorName(t));
    for (int t : op.outputIndexes) {
      if (t < 0) continue;
      row.outputs.push_back(float_graph.tensorName(t));
      if (std::find(outputs.begin(), outputs.end(), t) != outputs.end()) row.produces_model_output = true;
    }
    row.macs = convMacs(float_graph, executor, index);
    std::set<std::string> floating = already_float;
    floating.insert(op.name);
    RewriteReport rewrite;
    const Graph variant = variants.build(floating, &rewrite);
    for (const auto& f : rewrite.left_float)
      if (!floating.count(f.name) && !already_float.count(f.name) &&
          f.reason.rfind("input", 0) == 0)
        row.forces_float.push_back(f.name);
    row.int8_conv_mac_share = int8ConvMacShare(float_graph, executor, variant.net());
    row.quality = evaluator.evaluate(variant, "", 1);
    row.quality.source = baseline.source;
    row.quality.path = baseline.path;
    row.quality.in_sample = baseline.in_sample;
    row.score = row.quality.worstCosineMean();
    row.gain = row.score - base_score;
  });
  // Stable: equal scores keep execution order.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const OpSensitivity& a, const OpSensitivity& b) { return a.score > b.score; });
  result.ranked = std::move(rows);
  return result;
}

std::vector<std::string> sensitivitySkipList(const SensitivityResult& result, size_t max_list) {
  std::vector<std::string> names;
  for (const auto& row : result.ranked) {
    if (names.size() >= max_list || !(row.gain > 0)) break;
    names.push_back(row.name);
  }
  return names;
}

std::string sensitivityTable(const SensitivityResult& result, size_t max_rows) {
  std::ostringstream out;
  char line[768];
  out << "\nper-op sensitivity: worst output's mean cosine with only that op in float ("
      << result.baseline.samples << (result.baseline.in_sample ? " calibration" : " held-out")
      << " samples; all quantized: ";
  std::snprintf(line, sizeof line, "%.4f", result.baseline.worstCosineMean());
  out << line << ")\n";
  std::snprintf(line, sizeof line, "  %4s %9s %9s %7s  %-22s %-32s %s\n", "rank", "cosine", "gain",
                "MACs %", "type", "op", "tensors (in -> out)");
  out << line;
  const double model_macs = result.model_conv_macs;
  size_t rank = 0;
  for (const auto& row : result.ranked) {
    if (rank >= max_rows) break;
    ++rank;
    std::string tensors;
    for (size_t i = 0; i < row.inputs.size(); ++i) tensors += (i ? "," : "") + row.inputs[i];
    tensors += " -> ";
    for (size_t i = 0; i < row.outputs.size(); ++i) tensors += (i ? "," : "") + row.outputs[i];
    if (row.produces_model_output) tensors += " (model output)";
    if (!row.forces_float.empty())
      tensors += "; also float: " + row.forces_float.front() +
                 (row.forces_float.size() > 1 ? " +" + std::to_string(row.forces_float.size() - 1) : "");
    if (tensors.size() > 90) tensors = tensors.substr(0, 87) + "...";
    std::string name = row.name.size() > 32 ? row.name.substr(0, 29) + "..." : row.name;
    char macs[16] = "-";
    if (row.macs > 0 && model_macs > 0) std::snprintf(macs, sizeof macs, "%.1f", 100.0 * row.macs / model_macs);
    std::snprintf(line, sizeof line, "  %4zu %9.4f %+9.4f %7s  %-22s %-32s %s\n", rank, row.score, row.gain,
                  macs, row.type.c_str(), name.c_str(), tensors.c_str());
    out << line;
  }
  if (result.ranked.size() > rank)
    out << "  ... " << result.ranked.size() - rank << " more in the report's \"sensitivity\" list\n";
  const auto skip = sensitivitySkipList(result, 5);
  if (!skip.empty()) {
    out << "  most helpful to leave float, as a config line:\n    skip_quant_op_names: [";
    for (size_t i = 0; i < skip.size(); ++i) out << (i ? ", " : "") << "\"" << skip[i] << "\"";
    out << "]\n";
  }
  return out.str();
}

nlohmann::json sensitivityJson(const SensitivityResult& result) {
  nlohmann::json j;
  j["baseline_worst_cosine_mean"] = result.baseline.worstCosineMean();
  j["samples"] = result.baseline.samples;
  j["model_conv_macs"] = result.model_conv_macs;
  j["source"] = result.baseline.source;
  nlohmann::json ops = nlohmann::json::array();
  size_t rank = 0;
  for (const auto& row : result.ranked) {
    nlohmann::json o;
    o["rank"] = ++rank;
    o["op"] = row.name;
    o["type"] = row.type;
    o["inputs"] = row.inputs;
    o["outputs"] = row.outputs;
    o["produces_model_output"] = row.produces_model_output;
    o["forces_float"] = row.forces_float;
    o["conv_macs"] = row.macs;
    o["worst_cosine_mean"] = row.score;
    o["gain"] = row.gain;
    o["int8_conv_mac_share"] = row.int8_conv_mac_share;
    nlohmann::json per_output = nlohmann::json::object();
    for (const auto& q : row.quality.outputs)
      per_output[q.name] = {{"cosine_mean", q.cosine_mean}, {"cosine_min", q.cosine_min}};
    o["outputs_quality"] = per_output;
    ops.push_back(std::move(o));
  }
  j["ops"] = std::move(ops);
  j["skip_quant_op_names"] = sensitivitySkipList(result, 5);
  return j;
}

}  // namespace mnnq
