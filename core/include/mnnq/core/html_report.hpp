// `<output>.report.html` (`html_report: true`, `mnnq report REPORT_JSON`): one self-contained
// page, readable offline and without JavaScript, drawn from a run's report (`<output>.report.json`,
// schema "mnnq-report", see quality/report.hpp) and, when present, its per-tensor members:
//   "tensor_error": [{"tensor", "op", "type", "is_output", "cosine", "overflow_ratio",
//                     "sqnr_db"}]                        in execution order (the debug report)
//   "histograms":   [{"tensor", "op", "type", "cosine", "lo", "hi", "counts": [int],
//                     "range": [low, high]}]             float values of the worst tensors over
//                      [lo, hi] in equal bins, and the range int8 represents (the chosen clip)
// Charts are inline SVG computed here; every data mark carries class "mark" and a data-chart
// attribute ("sensitivity", "tensor-error", "histogram-<k>") so tests can count them.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mnnq {

std::string htmlReport(const nlohmann::json& report);

}  // namespace mnnq
