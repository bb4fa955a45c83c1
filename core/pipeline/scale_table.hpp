// Scale tables: every per-tensor parameter a run decided, as an editable file
// (`<output>.table.json`, like ncnn's .table or TensorRT's calibration cache), and the reader
// behind the config key `scales_from`, which quantizes from such a table without calibrating.
//
// Format (version 1; README "Scale tables"):
//   {"format": "mnnq-scale-table", "version": 1,
//    "model": "<float model the table was made for>",
//    "feature_quantize_method": "KL", "samples": 32,          (informative only)
//    "tensors": [ {"name": "<tensor>", "scale": s, "zero": z, "min": lo, "max": hi},
//                 {"name": "<tensor>", "float": true, "reason": "..."}, ... ],
//    "equalization": [ {"tensor": "<conv -> depthwise middle tensor>", "factors": [s_c, ...]} ],
//    "bias_correction": [ {"tensor": "<int8 convolution input>", "means": [m_c, ...]} ] }
// `tensors` lists every calibrated tensor of the model once (in order of first use): int8 with
// its parameters (real value = scale * (q - zero), q clamped to [min, max]) or left in float.
// `equalization` holds the per-channel factors cross-layer equalisation applied (empty when it
// was off), `bias_correction` the measured input channel means (empty when it was off): both
// depend on samples, so a table must carry them to reproduce the run's bytes.
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

struct ScaleTableInfo {
  std::string model;
  std::string feature_method;
  uint64_t samples = 0;
};

struct AppliedEqualization {
  int tensor = -1;              // the pair's middle tensor (EqualizationPair::tensor)
  std::vector<float> factors;   // per channel
};

// What a run wrote: `params` are the final parameters (after scale sharing and the float rules),
// `left_float` the calibrated tensors without parameters and why (tensor id -> reason).
nlohmann::json scaleTableJson(const Graph& graph, const ScaleTableInfo& info,
                              const std::vector<CalibrationTensor>& calibrated, const TensorParams& params,
                              const std::map<int, std::string>& left_float,
                              const std::vector<AppliedEqualization>& equalization,
                              const ChannelMeans& input_means);

struct ScaleTable {
  std::string file;
  TensorParams params;                      // tensor id -> parameters
  std::map<int, std::string> left_float;    // tensor id -> reason
  std::vector<AppliedEqualization> equalization;
  ChannelMeans input_means;
};

// Reads and checks the table against a float model, in two steps because the equalisation
// factors change the weights before the executor and the calibrated tensors are known:
// readScaleTableFile parses the file and checks its structure and the equalisation entries
// (against `pairs`, the model's equalisable pairs); checkScaleTableTensors then checks the
// tensor entries against the calibrated tensors and fills params/left_float/input_means.
// Every problem is a ConfigError naming the file and the entry ("tensors[12] 'conv3': ...").
struct ScaleTableFile {
  std::string file;
  nlohmann::json json;
};
ScaleTableFile readScaleTableFile(const std::string& path, const Graph& graph,
                                  const std::vector<EqualizationPair>& pairs, ScaleTable& table);
void checkScaleTableTensors(const ScaleTableFile& file, const Graph& graph,
                            const std::vector<CalibrationTensor>& calibrated,
                            const std::function<int(int)>& channels, ScaleTable& table);

}  // namespace mnnq
