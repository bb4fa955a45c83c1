#include "quality_warnings.hpp"

#include <cstdio>

namespace mnnq {
namespace {

std::string figure(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

std::vector<std::string> qualityWarnings(const QualityOutcome& outcome) {
  std::vector<std::string> warnings = outcome.float_problems;
  if (!outcome.quality || outcome.quality->empty()) return warnings;
  const QualityReport& q = *outcome.quality;
  const OutputQuality* worst = q.scoreOutput();

  if (!outcome.target_run && q.score() < kLowQualityCosine) {
    const bool has_empty = worst->samples_below_int8_step > 0;
    warnings.push_back("LOW QUALITY: output '" + worst->name + "' has mean cosine " +
                       figure(worst->cosine_mean_with_signal) +
                       (has_empty ? " on the samples where it is not empty at int8 resolution" : "") +
                       " against the float model (below " +
                       figure(kLowQualityCosine) + ", " + std::to_string(q.samples) +
                       (q.in_sample ? " in-sample" : " held-out") +
                       " samples); `target_cosine: 0.99` tries the other calibrators and leaves "
                       "the most harmful ops in float, `sensitivity: true` ranks the ops");
  }

  // Outputs that are empty at int8 resolution on some samples: the cosine there is noise (0 when
  // int8 writes zeros) for any calibration. The table's figures include them; every decision
  // uses the mean over the other samples (QualityReport::score).
  for (const auto& o : q.outputs) {
    if (o.samples_below_int8_step == 0) continue;
    const size_t with_signal = q.samples - o.samples_below_int8_step;
    std::string line = "output '" + o.name + "': on " + std::to_string(o.samples_below_int8_step) + " of " +
                       std::to_string(q.samples) +
                       " samples both the float and the int8 output stay below half an int8 step of the "
                       "output's range everywhere (e.g. a probability map of an image without objects), so "
                       "their cosine says nothing (0 when int8 writes zeros) and the table's mean includes "
                       "it; ";
    line += with_signal ? "the mean cosine on the other " + std::to_string(with_signal) + " samples, " +
                              figure(o.cosine_mean_with_signal) +
                              ", is what target_cosine, the method choice and the sensitivity ranking use"
                        : std::string("no sample has a signal at int8 resolution");
    warnings.push_back(line);
  }

  if (outcome.target_run && !outcome.methods.empty()) {
    // The first try is the configured calibration, all int8 (runQualityStep).
    const MethodTry* configured = &outcome.methods.front();
    const MethodTry* best = configured;
    for (const auto& t : outcome.methods)
      if (t.score > best->score) best = &t;
    if (best->score - configured->score > kMethodGapCosine) {
      warnings.push_back("the configured method " + configured->spec.label() + " reaches only " +
                         figure(configured->score) + "; " + best->spec.label() + " reaches " +
                         figure(best->score) + " on the same samples");
    }
  }
  return warnings;
}

}  // namespace mnnq
