// Phase calibrate: the executor over the (equalised) graph, the tensors the calibrator sees,
// and the calibrator's passes over the samples (../calibrate.hpp) up to its parameters.
#include "phases.hpp"

#include <algorithm>
#include <cstdio>

namespace mnnq::phases {

void calibrate(const RunContext& context, const RunSettings& settings, RunState& state) {
  const Graph& graph = *state.graph;
  RunSummary& summary = state.summary;
  const Executor& executor = state.executor.emplace(graph, state.exec_options);
  const CalibrationTensors& tensors = state.tensors.emplace(graph, executor, state.skip_ops);
  summary.tensors_calibrated = tensors.size();
  if (state.table) {  // scales_from: the table's entries instead of the calibrator's passes
    const auto channels = [&](int tensor) {
      const std::vector<int>& shape = executor.shape(tensor);
      if (shape.size() < 2) return -1;
      return executor.layout(tensor) == Layout::NHWC ? shape.back() : shape[1];
    };
    checkScaleTableTensors(*state.table_file, graph, tensors.tensors(), channels, *state.table);
    // Every sample is offered to the quality evaluation, which leaves out those that fail.
    state.outcome.usable_samples.resize(state.feed->count());
    for (uint64_t i = 0; i < state.outcome.usable_samples.size(); ++i) state.outcome.usable_samples[i] = i;
    summary.phases.push_back({"check scale table", state.watch.lap(), tensors.size()});
    return;
  }

  CalibrationOptions options{context, settings.shards};
  state.outcome =
      mnnq::calibrate(graph, executor, tensors, *state.calibrator, *state.feed, options);
  const CalibrationOutcome& outcome = state.outcome;
  // The calibrator's final computation (KL's threshold search, ADMM's iterations) is the part
  // of the calibration time not spent in the passes.
  double compute_seconds = state.watch.lap();
  for (const auto& p : outcome.passes) compute_seconds -= p.seconds;
  summary.samples_used = outcome.samples_used;
  summary.skipped = outcome.skipped;
  for (const auto& s : outcome.skipped)
    if (state.warn_skipped_samples) std::fprintf(stderr, "warning: skipped sample %s: %s\n", s.name.c_str(), s.reason.c_str());
  for (const auto& p : outcome.passes) summary.phases.push_back(p);
  summary.phases.push_back({"compute scales", std::max(0.0, compute_seconds), tensors.size()});
  for (const auto& n : outcome.notes) summary.notes.push_back(n);
  summary.tensors_calibrated = tensors.size();
}

}  // namespace mnnq::phases
