// Scale tables: every per-tensor parameter a run decided, as an editable file
// (`<output>.table.json`, like ncnn's .table or TensorRT's calibration cache), and the reader
// behind the config key `scales_from`, which quantizes from such a table without calibrating.
//
// Format (version 1; README "Scale tables"):
//   {"format": "mnnq-scale-table", "version": 1,
//    "model": "<float model's file name>",                       (informative)
//    "model_fingerprint": "fnv1a64:<16 hex digits>",             (checked)
//    "config": {"quant_bits": 8, "weight_quantize_method": "MAX_ABS", "weight_clamp_value": 127,
//               "skip_quant_op_names": [...], <other keys of the weight quantizer>},  (checked)
//    "calibration": {"feature_quantize_method": "KL", "feature_clamp_value": 127,
//                    "samples": 251},                             (informative)
//    "tensors": [ {"name": "<tensor>", "scale": s, "zero": z, "min": lo, "max": hi},
//                 {"name": "<tensor>", "float": true, "reason": "..."}, ... ],
//    "equalization": [ {"tensor": "<conv -> depthwise middle tensor>", "factors": [s_c, ...]} ],
//    "bias_correction": [ {"tensor": "<int8 convolution input>", "means": [m_c, ...]} ] }
// `tensors` lists every calibrated tensor of the model once (in order of first use): int8 with
// the parameters the rewrite writes (real value = scale * (q - zero), q clamped to [min, max];
// after scale sharing and the host's float rules) or left in float. `equalization` holds the
// per-channel factors cross-layer equalisation applied (empty when it was off),
// `bias_correction` the measured input channel means (empty when it was off): both depend on
// samples, so a table must carry them to reproduce the run's bytes. The weight quantizer needs
// nothing else: it sees the (equalised) float weights, quant_bits and its own keys, which
// "config" records; a table whose fingerprint or config facts differ from the run's is refused.
#pragma once

#include "bias_correction.hpp"
#include "calibration_tensors.hpp"
#include "equalization.hpp"
#include "tensor_params.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mnnq {

// What a table says about the run that made it, besides the parameters.
struct ScaleTableHeader {
  std::string model;        // the float model's file name (informative)
  std::string fingerprint;  // modelFingerprint() of the float model before equalisation
  nlohmann::json config;    // scaleTableConfig(): checked against the reading run
  nlohmann::json calibration = nlohmann::json::object();  // informative
};

// "fnv1a64:<hex>" of the float model as loaded (serialised), so a table made for another model,
// or for the same file with other weights, is refused.
std::string modelFingerprint(const Graph& graph);

// The config values besides the table that decide the written bytes: quant_bits,
// weight_quantize_method, skip_quant_op_names (sorted) and every key the weight quantizer
// declares (`weight_keys`), from a validated config.
nlohmann::json scaleTableConfig(const nlohmann::json& config, const std::vector<std::string>& weight_keys);

struct AppliedEqualization {
  int tensor = -1;              // the pair's middle tensor (EqualizationPair::tensor)
  std::vector<float> factors;   // per channel
};

// What a run wrote: `params` are the final parameters (after scale sharing and the float rules),
// `left_float` the calibrated tensors without parameters and why (tensor id -> reason).
nlohmann::ordered_json scaleTableJson(const Graph& graph, const ScaleTableHeader& header,
                                      const std::vector<CalibrationTensor>& calibrated,
                                      const TensorParams& params,
                                      const std::map<int, std::string>& left_float,
                                      const std::vector<AppliedEqualization>& equalization,
                                      const ChannelMeans& input_means);
// The file's text: one line per header member and per list entry (invalid UTF-8 in names
// replaced).
std::string scaleTableText(const nlohmann::ordered_json& table);

struct ScaleTable {
  std::string file;
  TensorParams params;                      // tensor id -> parameters
  std::map<int, std::string> left_float;    // tensor id -> reason
  std::vector<AppliedEqualization> equalization;
  ChannelMeans input_means;
};

// Reads and checks the table against a float model, in two steps because the equalisation
// factors change the weights before the executor and the calibrated tensors are known:
// readScaleTableFile parses the file and checks its structure, the fingerprint and config facts
// against `expected` (the reading run's), and the equalisation entries (against `pairs`, the
// model's equalisable pairs); checkScaleTableTensors then checks the
// tensor entries against the calibrated tensors and fills params/left_float/input_means.
// Every problem is a ConfigError naming the file and the entry ("tensors[12] 'conv3': ...").
struct ScaleTableFile {
  std::string file;
  nlohmann::json json;
};
ScaleTableFile readScaleTableFile(const std::string& path, const Graph& graph,
                                  const ScaleTableHeader& expected,
                                  const std::vector<EqualizationPair>& pairs, ScaleTable& table);
void checkScaleTableTensors(const ScaleTableFile& file, const Graph& graph,
                            const std::vector<CalibrationTensor>& calibrated,
                            const std::function<int(int)>& channels, ScaleTable& table);

}  // namespace mnnq
