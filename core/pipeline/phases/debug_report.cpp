// Phase debug_report (debug: true): per-tensor error of int8 against float (../debug_report.hpp),
// before the rewrite so it reflects exactly the parameters that are written.
#include "phases.hpp"

#include <iostream>

namespace mnnq::phases {

void debugReport(const RunContext& context, const RunSettings& settings, RunState& state) {
  if (!settings.debug) return;
  const std::vector<uint64_t>& samples = state.outcome.usable_samples;
  state.debug_rows = mnnq::debugReport(*state.graph, *state.executor, state.params, *state.feed,
                                       samples, context);
  if (!context.quiet) std::cout << debugTable(state.debug_rows, 20);
  // Published with the model (phase publish).
  state.outputs.add(settings.output + ".debug.csv", debugCsv(state.debug_rows));
  state.outputs.add(settings.output + ".debug.json", jsonText(debugJson(state.debug_rows)));
  state.summary.phases.push_back({"debug report", state.watch.lap(), samples.size()});
}

}  // namespace mnnq::phases
