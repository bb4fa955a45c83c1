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
  const OutputQuality* worst = q.worstOutput();

  if (!outcome.target_run && q.worstCosineMean() < kLowQualityCosine) {
    warnings.push_back("LOW QUALITY: output '" + worst->name + "' has mean cosine " +
                       figure(worst->cosine_mean) + " against the float model (below " +
                       figure(kLowQualityCosine) + ", " + std::to_string(q.samples) +
                       (q.in_sample ? " in-sample" : " held-out") +
                       " samples); `target_cosine: 0.99` tries the other calibrators and leaves "
                       "the most harmful ops in float, `sensitivity: true` ranks the ops");
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
