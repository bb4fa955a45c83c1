// Phase publish: everything that can fail before anything is published (serialise, read the
// bytes back to prove they are a loadable model), then the model and its side files published
// together (OutputSet), and the summary reported (table on stdout, JSON to an embedding caller).
#include "phases.hpp"

#include "../quality/float_ops.hpp"
#include "../quality/report.hpp"
#include "../scale_dump.hpp"

#include <iostream>
#include <stdexcept>

namespace mnnq::phases {
namespace {

ScaleTableHeader tableHeader(const RunState& state) {
  ScaleTableHeader header = state.table_header;
  if (state.table) {  // scales_from: how the table that was read was made
    if (state.table_file->json.contains("calibration"))
      header.calibration = state.table_file->json["calibration"];
  } else {
    header.calibration = {{"feature_quantize_method", state.summary.feature_method},
                          {"feature_clamp_value", state.request.config.value("feature_clamp_value", 127)},
                          {"samples", state.summary.samples_used}};
  }
  return header;
}

// The scale table of the model that is written: the run's own calibration, or with
// target_cosine the one the search chose, with the ops it left float added to the table's
// skip_quant_op_names (a run from the table needs that list in its config) and their outputs
// float, exactly as the search built the model (quality/variants.hpp). `params` receives the
// written parameters (for the scale dump).
nlohmann::ordered_json writtenScaleTable(const RunState& state, TensorParams& params) {
  ScaleTableHeader header = tableHeader(state);
  if (!state.target_model) {
    params = state.params;
    return scaleTableJson(*state.graph, header, state.tensors->tensors(), params, state.left_float,
                          state.equalization, state.input_means);
  }
  const CalibratedModel& model = *state.target_model;
  const std::set<std::string>& extra = state.target_float_ops;
  std::set<std::string> skip = state.skip_ops;
  skip.insert(extra.begin(), extra.end());
  params = *model.params;
  keepSkippedOutputsFloat(*model.float_graph, extra, params);
  const CalibrationTensors tensors(*model.float_graph, *model.executor, skip);
  std::map<int, std::string> left_float;
  for (const CalibrationTensor& c : tensors.tensors())
    if (!params.count(c.tensor))
      left_float[c.tensor] = model.params->count(c.tensor)
                                 ? "left float by the quality target (output of, or passed on from, an op it left float)"
                                 : "no parameters from " + model.feature_method + " or kept float by the host's rules";
  header.config["skip_quant_op_names"] = std::vector<std::string>(skip.begin(), skip.end());
  header.calibration = {{"feature_quantize_method", model.feature_method},
                        {"feature_clamp_value", state.request.config.value("feature_clamp_value", 127)},
                        {"samples", state.summary.samples_used},
                        {"chosen_by", "target_cosine: " + model.label}};
  std::vector<AppliedEqualization> equalization;
  for (const auto& [tensor, factors] : model.equalization_factors) equalization.push_back({tensor, factors});
  const ChannelMeans none;
  const ChannelMeans& means = model.rewrite->input_means ? *model.rewrite->input_means : none;
  return scaleTableJson(*model.float_graph, header, tensors.tensors(), params, left_float, equalization, means);
}

}  // namespace

void publish(const RunContext& context, const RunSettings& settings, RunState& state) {
  RunSummary& summary = state.summary;
  {
    Step step(context, "write and verify");
    std::vector<uint8_t> model_bytes = serializeNet(state.rewritten->net());
    const Graph written = Graph::fromBuffer(model_bytes.data(), model_bytes.size(), settings.output);
    const int expected_ops = state.graph->numOps() - summary.rewrite.activations_folded;
    if (written.numOps() != expected_ops)
      throw std::runtime_error("verification of " + settings.output + " failed: " +
                               std::to_string(written.numOps()) + " ops read back, " +
                               std::to_string(expected_ops) + " written");
    TensorParams written_params;
    const nlohmann::ordered_json table = writtenScaleTable(state, written_params);
    state.outputs.add(settings.output + ".table.json", scaleTableText(table));
    if (state.target_model && state.target_float_ops.size())
      summary.notes.push_back("the scale table lists the ops the quality target left float in its "
                              "skip_quant_op_names: a run from the table (scales_from) needs the same list");
    state.outputs.add(settings.output + ".json", jsonText(scaleDump(*state.graph, written_params)));
    summary.total_seconds = state.elapsedSeconds();
    summary.peak_rss_kb = peakRssKb();
    state.outputs.add(settings.output + ".report.json", jsonText(runReport(summary.toJson())));
    state.outputs.add(settings.output, std::move(model_bytes));  // the model last
    try {
      state.outputs.publish();
    } catch (const OutputError& e) {
      throw ModelError(e.what());  // "model files that cannot be written" (Python's ModelError)
    }
    summary.phases.push_back({"write and verify", state.watch.lap(), 0});
    step.done();
  }
  summary.total_seconds = state.elapsedSeconds();
  summary.peak_rss_kb = peakRssKb();
  if (!context.quiet) std::cout << summary.toTable() << std::flush;
  if (nlohmann::json* out = state.request.summary_out) {
    *out = summary.toJson();
    if (settings.debug) (*out)["debug"] = int8DebugJson(state.debug_rows);
  }
}

}  // namespace mnnq::phases
