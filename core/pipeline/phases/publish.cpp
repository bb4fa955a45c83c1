// Phase publish: everything that can fail before anything is published (serialise, read the
// bytes back to prove they are a loadable model), then the model and its side files published
// together (OutputSet), and the summary reported (table on stdout, JSON to an embedding caller).
#include "phases.hpp"

#include "../quality/report.hpp"
#include "../scale_dump.hpp"

#include <iostream>
#include <stdexcept>

namespace mnnq::phases {

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
