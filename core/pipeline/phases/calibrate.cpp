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
    std::fprintf(stderr, "warning: skipped sample %s: %s\n", s.name.c_str(), s.reason.c_str());
  for (const auto& p : outcome.passes) summary.phases.push_back(p);
  summary.phases.push_back({"compute scales", std::max(0.0, compute_seconds), tensors.size()});
  for (const auto& n : outcome.notes) summary.notes.push_back(n);
  summary.tensors_calibrated = tensors.size();
}

}  // namespace mnnq::phases
