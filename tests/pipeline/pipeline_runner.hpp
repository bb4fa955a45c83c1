// Runs the quantization pipeline in-process on a fixture config, with the plugins of the build
// tree, and reads back what it wrote.
#pragma once

#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace mnnq::test {

struct PipelineRun {
  std::string output;       // quantized .mnn written
  nlohmann::json scale_dump;  // <output>.json
  nlohmann::json summary;     // RunSummary::toJson() of the run
  nlohmann::json report;      // <output>.report.json
  int status = 0;             // runQuantization's exit status (0, or 3: quality target missed)
};

// Takes fixtures/configs/<config>.json, makes its paths absolute, applies `changes` (keys set or
// replaced; a relative "path" names a folder under fixtures/images), and runs it with `threads`.
// The output goes to a fresh temporary folder unless `changes` sets "output" (absolute).
PipelineRun runPipeline(const std::string& config, const nlohmann::json& changes,
                        unsigned threads = 2);

// Runs a config made only of `values` (model path absolute, "model" set from `model`).
// plugin_dirs: extra --plugin-dir folders (e.g. the test plugins of tests/plugins_registry).
PipelineRun runPipelineWith(const std::string& model, const nlohmann::json& values,
                            unsigned threads = 2,
                            const std::vector<std::string>& plugin_dirs = {});

// Cosine similarity of two equally long float vectors (0 if either is all zero).
double cosine(const std::vector<float>& a, const std::vector<float>& b);

// MNN's scale dump for fixtures/mnn_quantized/<model>/<method>/quant.mnn.json.
nlohmann::json mnnScaleDump(const std::string& model, const std::string& method);

// tensor index -> (scale, zero) of every output entry with a non-zero scale.
std::map<int, std::pair<float, float>> outputScales(const nlohmann::json& dump);

// Per quantized convolution (by op name): alpha and decoded int8 weights.
struct ConvWeights {
  std::vector<float> alpha;
  std::vector<int8_t> values;
};
std::map<std::string, ConvWeights> quantizedConvWeights(const std::string& model_path);

}  // namespace mnnq::test
