// Phase html_report (html_report: true): the per-tensor data of the HTML report
// (../html_report_data.hpp: debug rows in execution order, histograms of the worst tensors),
// measured on the parameters that are written, and the page, published with the model.
#include "phases.hpp"

#include "../channel_stats.hpp"
#include "../html_report_data.hpp"

#include "mnnq/core/html_report.hpp"

namespace mnnq::phases {

void htmlReport(const RunContext& context, const RunSettings& settings, RunState& state) {
  if (!settings.html_report) return;
  // The debug rows, measured here on up to 32 spread samples when `debug` is off.
  std::vector<Int8DebugRow> rows = state.debug_rows;
  const std::vector<uint64_t>& usable = state.outcome.usable_samples;
  if (rows.empty()) {
    std::vector<uint64_t> samples;
    for (uint64_t k : spreadSamples(usable.size(), 32)) samples.push_back(usable[k]);
    Int8DebugOptions options;
    options.threads = context.threads;
    options.quiet = context.quiet;
    options.progress = context.progress;
    rows = int8DebugReport(*state.graph, *state.rewritten, state.exec_options, *state.feed, samples, options);
  }
  state.html_tensor_error = tensorErrorJson(*state.graph, *state.executor, rows);
  state.html_histograms =
      worstTensorHistograms(*state.graph, *state.executor, state.params, rows, *state.feed, usable);
  state.summary.phases.push_back({"html report", state.watch.lap(), 0});
  // The page's times and memory are those up to this point.
  state.summary.total_seconds = state.elapsedSeconds();
  state.summary.peak_rss_kb = peakRssKb();
  const nlohmann::json summary = state.summary.toJson();
  nlohmann::json report{{"schema", "mnnq-report"}, {"version", 1}, {"summary", summary}};
  for (const char* key : {"quality", "sensitivity", "target"})
    report[key] = summary.contains(key) ? summary[key] : nlohmann::json(nullptr);
  report["tensor_error"] = state.html_tensor_error;
  report["histograms"] = state.html_histograms;
  state.outputs.add(settings.output + ".report.html", mnnq::htmlReport(report));  // published with the model
}

}  // namespace mnnq::phases
