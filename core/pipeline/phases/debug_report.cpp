// Phase debug_report (debug: true): per-tensor error of the model that is written, on the real
// int8 path (../quality/int8_debug.hpp); runs after the quality phase, which may change it.
#include "phases.hpp"

#include <iostream>

namespace mnnq::phases {

void debugReport(const RunContext& context, const RunSettings& settings, RunState& state) {
  if (!settings.debug) return;
  const std::vector<uint64_t>& samples = state.outcome.usable_samples;
  Int8DebugOptions options;
  options.threads = context.threads;
  options.quiet = context.quiet;
  options.progress = context.progress;
  state.debug_rows = int8DebugReport(*state.graph, *state.rewritten, state.exec_options, *state.feed,
                                     samples, options);
  if (!context.quiet) std::cout << int8DebugTable(state.debug_rows, 20);
  // Published with the model (phase publish).
  state.outputs.add(settings.output + ".debug.csv", int8DebugCsv(state.debug_rows));
  state.outputs.add(settings.output + ".debug.json", jsonText(int8DebugJson(state.debug_rows)));
  state.summary.phases.push_back({"debug report", state.watch.lap(), samples.size()});
}

}  // namespace mnnq::phases
