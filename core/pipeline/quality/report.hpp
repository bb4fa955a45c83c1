// `<output>.report.json`: everything a run found out, for tools (the HTML report) and scripts.
// Written beside the model after every successful run. Schema "mnnq-report", version 1; later
// versions only add members. Figures are plain JSON numbers (cosines in [-1, 1], shares in
// [0, 1]); a member that does not apply is null, never absent.
//
// {
//   "schema": "mnnq-report", "version": 1,
//   "summary": {                       // the run summary, = the Python result's summary; it
//                                      // describes the written file (with target_cosine: the
//                                      // method and equalisation the target kept)
//     "model", "output", "feature_quantize_method", "weight_quantize_method",
//     "samples": {"total", "used", "skipped"}, "skipped_samples": [{"sample", "reason"}],
//     "tensors_calibrated", "tensors_quantized", "tensors_without_params": ["name: why"],
//     "convolutions_quantized", "unary_tables", "activations_folded", "biases_corrected",
//     "equalized_pairs", "ops_left_float": [{"op", "type", "reason"}],
//     "phases": [{"phase", "seconds", "items"}], "total_seconds", "peak_rss_kb", "notes": [str]
//   },
//   "quality": null | {                // the written model, int8 against float
//     "source": "validation_path" | "calibration",   // calibration = in-sample subset
//     "path": folder, "in_sample": bool, "samples": int,
//     "outputs": { "<output name>": {
//         "shape": [int], "cosine_mean", "cosine_min", "worst_sample": name,
//         "rel_l2_mean", "class_scores": bool, "top1_agreement": number | null,
//         "samples_below_int8_step", "cosine_mean_with_signal" } },
//     "worst_output": name, "worst_cosine_mean": number,   // over all samples
//     "score_output": name, "score": number   // the worst cosine_mean_with_signal (see below)
//   },
//   In "sensitivity" and "target", every "worst_cosine_mean..." figure is that score: the worst
//   output's mean cosine over the samples on which it is not empty at int8 resolution, equal to
//   "worst_cosine_mean" unless some "samples_below_int8_step" are non-zero.
//   "sensitivity": null | {            // `sensitivity: true`
//     "baseline_worst_cosine_mean", "samples", "source", "model_conv_macs",
//     "ops": [ { "rank", "op", "type", "inputs": [tensor], "outputs": [tensor],
//                "produces_model_output": bool, "forces_float": [op], "conv_macs",
//                "worst_cosine_mean", "gain",
//                "int8_conv_mac_share",
//                "outputs_quality": {"<output name>": {"cosine_mean", "cosine_min"}} } ],
//     "skip_quant_op_names": [op]      // the ops with a positive gain, best first, at most 5
//   },
//   "target": null | {                 // `target_cosine`
//     "target_cosine", "max_float_conv_macs", "reached": bool,
//     "methods": [{"method", "feature_quantize_method", "cross_layer_equalization",
//                  "bias_correction", "worst_cosine_mean", "int8_conv_mac_share"}],
//     "method": label of the calibration kept,
//     "quality_before": <quality object of the configured method>,
//     "quality_after": <quality object of the written model>,
//     "ops_left_float": [{"op", "type", "worst_cosine_mean_before", "worst_cosine_mean_after",
//                         "int8_conv_mac_share_after"}],
//     "stop_reason", "rankings", "evaluations", "int8_conv_mac_share"
//   }
// }
#pragma once

#include <nlohmann/json.hpp>

namespace mnnq {

// The report from a run summary (RunSummary::toJson(), which carries the quality step's
// "quality", "sensitivity" and "target" objects).
inline nlohmann::json runReport(const nlohmann::json& summary) {
  nlohmann::json report;
  report["schema"] = "mnnq-report";
  report["version"] = 1;
  nlohmann::json rest = summary;
  for (const char* key : {"quality", "sensitivity", "target"}) {
    report[key] = summary.contains(key) ? summary[key] : nlohmann::json(nullptr);
    rest.erase(key);
  }
  rest.erase("debug");
  report["summary"] = std::move(rest);
  return report;
}

}  // namespace mnnq
