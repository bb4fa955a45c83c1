// Warnings a run gives about its own result (issue 12 item 6: no silent collapse). A run that
// ends far below a usable quality, or far below another shipped method it tried, says so in the
// summary notes and on stderr, with what to do about it.
#pragma once

#include "quality_phase.hpp"

#include <string>
#include <vector>

namespace mnnq {

// Below this worst-output mean cosine a plain run (no target_cosine) warns: the level PTQ
// users commonly treat as "int8 is usable" for detection and classification heads.
constexpr double kLowQualityCosine = 0.98;
// A target run warns when the configured method is this much below the best method it tried.
constexpr double kMethodGapCosine = 0.01;

// The warnings for `outcome` (empty when there is nothing to say): the float model's own
// problems first (outcome.float_problems), then the quality rules above.
std::vector<std::string> qualityWarnings(const QualityOutcome& outcome);

}  // namespace mnnq
