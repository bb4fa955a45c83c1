// Phase quality: evaluation of the model to write, per-op sensitivity and the quality target
// (../quality/quality_phase.hpp). With target_cosine it may replace the rewritten model.
#include "phases.hpp"

#include "../quality/quality_phase.hpp"
#include "../quality/quality_warnings.hpp"
#include "../quality/recalibrate.hpp"

#include <algorithm>
#include <cstdio>

namespace mnnq::phases {

void quality(const RunContext&, const RunSettings&, RunState& state) {
  QualityInputs in;
  in.request = &state.request;
  in.exec_options = &state.exec_options;
  in.feed = &*state.feed;
  in.usable_samples = &state.outcome.usable_samples;
  in.skip = &state.skip_ops;
  RunSummary& summary = state.summary;
  in.configured.label = summary.feature_method;
  in.configured.feature_method = summary.feature_method;
  in.configured.equalization = summary.equalized_pairs > 0;
  in.configured.bias_correction = state.request.settings.bias_correction || !state.input_means.empty();
  in.configured.float_graph = &*state.graph;
  in.configured.executor = &*state.executor;
  in.configured.params = &state.params;
  in.configured.rewrite = &state.rewrite_options;
  for (const auto& e : state.equalization) in.configured.equalization_factors.emplace_back(e.tensor, e.factors);
  Recalibrator recalibrate(state);
  in.calibrate_with = [&](const MethodSpec& spec) { return recalibrate(spec); };
  QualityOutcome outcome = runQualityStep(in, serializeNet(state.rewritten->net()));
  for (const auto& p : outcome.phases) summary.phases.push_back(p);
  for (const auto& n : outcome.notes) summary.notes.push_back(n);
  for (const auto& w : qualityWarnings(outcome)) {
    summary.notes.push_back(w);
    std::fprintf(stderr, "mnnq run: warning: %s\n", w.c_str());
  }
  summary.quality_table = outcome.table();
  summary.quality_json = outcome.json();
  if (outcome.replacement) {
    state.rewritten.emplace(Graph::fromBuffer(outcome.replacement->data(), outcome.replacement->size(),
                                              state.request.settings.output));
    summary.rewrite = outcome.replacement_report;
    state.target_model = outcome.replacement_model;
    state.target_float_ops = outcome.replacement_float_ops;
    // The summary describes the file that is written, not the configured calibration (the
    // target's own section names both).
    if (outcome.replacement_model) {
      summary.feature_method = outcome.replacement_model->feature_method;
      summary.equalized_pairs = static_cast<int>(outcome.replacement_model->equalization_factors.size());
      if (summary.equalized_pairs > 0 && !state.equalization_off_note.empty()) {
        auto& notes = summary.notes;
        notes.erase(std::remove(notes.begin(), notes.end(), state.equalization_off_note), notes.end());
      }
    }
  }
  if (outcome.target_run && !outcome.target_reached) {
    state.exit_status = kExitTargetMissed;
    std::fprintf(stderr,
                 "mnnq run: warning: QUALITY TARGET NOT REACHED: target_cosine %.6g, best model "
                 "found %.6f (written to %s; exit status %d)\n",
                 outcome.target_cosine, outcome.quality ? outcome.quality->score() : 0.0,
                 state.request.settings.output.c_str(), kExitTargetMissed);
  }
  state.watch.lap();
}

}  // namespace mnnq::phases
