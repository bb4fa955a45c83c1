// The phases of a quantization run, in the order run.cpp calls them. Each is one file in this
// folder with the same name, reads the RunState members earlier phases filled and fills its
// own. Adding a phase: a file here, its declaration below, one line in kPhases (run.cpp).
//
//   load             model, skip list, input source, sample feed, calibrator, weight quantizer
//   scale_table      the table's header (model fingerprint, config facts); with scales_from the
//                    table is read and checked (then calibrate, equalize's measurement and
//                    bias_correction's measurement are replaced by its values)
//   equalize         cross-layer equalisation of conv -> depthwise pairs (edits the graph)
//   calibrate        executor, calibrated tensors, the calibrator's passes and parameters
//   assign_params    parameters per graph tensor: usable ranges, shared scales, tensors kept float
//   debug_report     debug: true: per-tensor error of int8 against float, .debug.csv/.json
//   bias_correction  bias_correction: true: channel means of quantized convolutions' inputs
//   html_report      html_report: true: the HTML report's per-tensor data and the page
//   rewrite          a copy of the graph with int8 weights and quantization parameters
//   publish          serialise the model, read it back, publish it with its side files
//                    (OutputSet: all or none), report the summary
#pragma once

#include "../run_context.hpp"
#include "../run_state.hpp"

#include "mnnq/core/run_settings.hpp"

namespace mnnq::phases {

using Phase = void (*)(const RunContext&, const RunSettings&, RunState&);

void load(const RunContext& context, const RunSettings& settings, RunState& state);
void scaleTable(const RunContext& context, const RunSettings& settings, RunState& state);
void equalize(const RunContext& context, const RunSettings& settings, RunState& state);
void calibrate(const RunContext& context, const RunSettings& settings, RunState& state);
void assignParams(const RunContext& context, const RunSettings& settings, RunState& state);
void debugReport(const RunContext& context, const RunSettings& settings, RunState& state);
void biasCorrection(const RunContext& context, const RunSettings& settings, RunState& state);
void htmlReport(const RunContext& context, const RunSettings& settings, RunState& state);
void rewrite(const RunContext& context, const RunSettings& settings, RunState& state);
void quality(const RunContext& context, const RunSettings& settings, RunState& state);
void publish(const RunContext& context, const RunSettings& settings, RunState& state);

// The options phase rewrite quantizes with (also the quality step's variants and
// recalibrations): bits, clamp, skip list, the weight quantizer and state.input_means when
// there are any (bias_correction, or a scale table's means). They refer to `state`, which must outlive them.
RewriteOptions rewriteOptions(const RunSettings& settings, const RunState& state);

// A phase without per-sample progress reports itself as one step: (name, 0, 1) when it
// starts, (name, 1, 1) when done() is called.
class Step {
 public:
  Step(const RunContext& context, std::string name);
  void done();

 private:
  const RunContext& context_;
  std::string name_;
};

// A side file's JSON text (RunState::outputs).
std::string jsonText(const nlohmann::json& value);

}  // namespace mnnq::phases
