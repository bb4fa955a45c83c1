// Phase publish: everything that can fail before anything is published (serialise, read the
// bytes back to prove they are a loadable model), then the model and its side files published
// together (OutputSet), and the summary reported (table on stdout, JSON to an embedding caller).
#include "phases.hpp"

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
    if (!state.target_replaced) {
      const nlohmann::ordered_json table =
          scaleTableJson(*state.graph, tableHeader(state), state.tensors->tensors(), state.params,
                         state.left_float, state.equalization, state.input_means);
      state.outputs.add(settings.output + ".table.json", scaleTableText(table));
    } else {
      summary.notes.push_back("no scale table written: the quality target chose another calibration "
                              "than the configured one (set the method and ops it names in the config "
                              "to get a table)");
    }
    state.outputs.add(settings.output + ".json", jsonText(scaleDump(*state.graph, state.params)));
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
