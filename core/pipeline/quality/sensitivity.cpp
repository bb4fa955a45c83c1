#include "sensitivity.hpp"

#include "float_ops.hpp"

#include "../parallel_samples.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

namespace mnnq {
namespace {

struct Nothing {};

// Variants built and evaluated together: their executors are alive at once (memory), and the
// base's forward per sample is shared by all of them (time).
constexpr size_t kVariantsPerRound = 16;

struct BuiltVariant {
  std::unique_ptr<Graph> graph;
  std::unique_ptr<Executor> executor;
  std::vector<char> rerun;
};

}  // namespace

SensitivityResult rankOpSensitivity(const Graph& float_graph, const Executor& executor,
                                    const std::vector<int>& candidates,
                                    const std::set<std::string>& already_float,
                                    const VariantFactory& variants, const QualityEvaluator& evaluator,
                                    const QualityReport& baseline, const SensitivityOptions& options) {
  SensitivityResult result;
  result.baseline = baseline;
  const double base_score = baseline.score();
  for (int i = 0; i < float_graph.numOps(); ++i) result.model_conv_macs += convMacs(float_graph, executor, i);
  const auto& outputs = float_graph.outputs();
  std::vector<OpSensitivity> rows(candidates.size());
  Progress progress(options.phase, candidates.size(), options.quiet, options.progress);
  if (candidates.empty()) progress.finish();

  // The model with `already_float` float: every variant differs from it in the ops one more
  // float op changes, and only those (and what follows them) are re-run per variant.
  ExecutorOptions int8_options = evaluator.executorOptions();
  int8_options.simulate_int8 = true;
  int8_options.op_signatures = true;
  const Graph base_graph = variants.build(already_float);
  const Executor base(base_graph, int8_options);

  for (size_t first = 0; first < candidates.size(); first += kVariantsPerRound) {
    const size_t count = std::min(kVariantsPerRound, candidates.size() - first);
    std::vector<BuiltVariant> built(count);
    // Building a variant (rewrite, executor plan) is serial work: one variant per worker.
    Progress building("", count, true);
    forEachSampleInParallel<Nothing>(count, options.threads, building, [&](size_t j, Nothing&) {
      const int index = candidates[first + j];
      const schema::OpT& op = float_graph.op(index);
      OpSensitivity& row = rows[first + j];
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
      BuiltVariant& v = built[j];
      v.graph = std::make_unique<Graph>(variants.build(floating, &rewrite));
      for (const auto& f : rewrite.left_float)
        if (!floating.count(f.name) && !already_float.count(f.name) &&
            f.reason.rfind("input", 0) == 0)
          row.forces_float.push_back(f.name);
      row.int8_conv_mac_share = int8ConvMacShare(float_graph, executor, v.graph->net());
      v.executor = std::make_unique<Executor>(*v.graph, int8_options);
      v.rerun = opsToRerun(base, *v.executor);
    });
    std::vector<const Executor*> executors;
    std::vector<std::vector<char>> rerun;
    for (auto& v : built) {
      executors.push_back(v.executor.get());
      rerun.push_back(std::move(v.rerun));
    }
    std::vector<QualityReport> reports = evaluator.evaluateVariants(base, executors, rerun, options.threads);
    for (size_t j = 0; j < count; ++j) {
      OpSensitivity& row = rows[first + j];
      row.quality = std::move(reports[j]);
      row.quality.source = baseline.source;
      row.quality.path = baseline.path;
      row.quality.in_sample = baseline.in_sample;
      row.score = row.quality.score();
      row.gain = row.score - base_score;
    }
    progress.advance(count);
  }
  progress.finish();
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
  std::snprintf(line, sizeof line, "%.4f", result.baseline.score());
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
  j["baseline_worst_cosine_mean"] = result.baseline.score();
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
