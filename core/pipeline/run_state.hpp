// What the phases of a run hand to each other (phases/phases.hpp lists who fills what). Each
// member is filled by one phase and read by the later ones; members that cannot exist before
// their phase (the graph, the executor, the plugin objects) are optional and emplaced there.
#pragma once

#include "calibrate.hpp"
#include "calibration_tensors.hpp"
#include "bias_correction.hpp"
#include "quality/int8_debug.hpp"
#include "quality/quality_phase.hpp"
#include "rewrite.hpp"
#include "scale_table.hpp"
#include "run_summary.hpp"
#include "sample_feed.hpp"
#include "tensor_params.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/output_set.hpp"
#include "mnnq/core/pipeline.hpp"
#include "mnnq/core/plugin_handles.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mnnq {

// Seconds since the previous lap, for the summary's time per phase.
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

struct RunState {
  explicit RunState(const RunRequest& request) : request(request), config_text(request.config.dump()) {}
  RunState(const RunState&) = delete;
  RunState& operator=(const RunState&) = delete;

  double elapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  const RunRequest& request;  // the selected plugins and the config file's name
  const std::string config_text;  // the validated config as the plugins receive it
  RunSummary summary;
  Stopwatch watch;

  // load
  std::optional<Graph> graph;  // the float model; equalize edits it in place
  std::set<std::string> skip_ops;  // skip_quant_op_names, checked against the model
  std::optional<InputSourceHandle> source;
  std::optional<SampleFeed> own_feed;  // reads through `source`, shapes fixed from `graph`'s inputs
  SampleFeed* feed = nullptr;  // own_feed, or the run's feed in a recalibration (quality/recalibrate.hpp)
  ExecutorOptions exec_options;    // input shapes of the feed
  std::optional<CalibratorHandle> calibrator;
  std::optional<WeightQuantizerHandle> weights;

  // scale_table: what the run's table says about it (always), and with scales_from the table
  // read (its tensor entries are checked in calibrate, once the calibrated tensors are known)
  ScaleTableHeader table_header;
  std::optional<ScaleTable> table;
  std::optional<ScaleTableFile> table_file;

  // equalize: the factors applied, per pair (for the scale table), and the note saying pairs
  // were left unequalised (dropped if the quality target keeps an equalised model)
  std::vector<AppliedEqualization> equalization;
  std::string equalization_off_note;

  // calibrate
  std::optional<Executor> executor;  // over the (equalised) graph
  std::optional<CalibrationTensors> tensors;
  CalibrationOutcome outcome;

  // assign_params
  TensorParams params;  // graph tensor -> the parameters that are written
  std::map<int, std::string> left_float;  // calibrated tensors without parameters -> why

  // debug_report adds side files, publish the scale dump and then the model (last): written
  // together, all or none (mnnq/core/output_set.hpp)
  OutputSet outputs;

  // debug_report (after quality: the model that is written)
  std::vector<Int8DebugRow> debug_rows;

  // bias_correction
  ChannelMeans input_means;  // empty unless bias_correction is on

  // html_report: the page's per-tensor members (html_report_data.hpp)
  nlohmann::json html_tensor_error, html_histograms;

  // rewrite
  std::optional<Graph> rewritten;  // the quantized net, not yet written
  RewriteOptions rewrite_options;  // as used (the quality phase builds variants with them)

  // A recalibration inside the quality step (quality/recalibrate.hpp) runs the calibration
  // phases on its own state: the run already warned about skipped samples.
  bool warn_skipped_samples = true;

  // quality (quality/quality_phase.hpp): may replace `rewritten`
  std::string quality_table;
  int exit_status = 0;  // 3 when target_cosine was not reached
  // target_cosine wrote another calibration than the configured one (or left ops float): what
  // it was built from, for the scale table. `owner` keeps a recalibration alive.
  std::optional<CalibratedModel> target_model;
  std::set<std::string> target_float_ops;
};

}  // namespace mnnq
