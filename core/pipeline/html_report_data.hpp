// The per-tensor data of the HTML report (`html_report: true`), measured after calibration on
// the parameters that are written: the debug rows in execution order with their ops, and value
// histograms of the worst tensors with the range int8 covers. Returned as the report members
// "tensor_error" and "histograms" (mnnq/core/html_report.hpp).
#pragma once

#include "quality/int8_debug.hpp"
#include "sample_feed.hpp"
#include "tensor_params.hpp"

#include "mnnq/core/executor.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace mnnq {

// Histograms use up to kHistogramSamples of `samples`, for the kHistogramTensors worst rows.
constexpr size_t kHistogramSamples = 16;
constexpr size_t kHistogramTensors = 4;
constexpr int kHistogramBins = 64;

nlohmann::json tensorErrorJson(const Graph& graph, const Executor& executor, const std::vector<Int8DebugRow>& rows);
nlohmann::json worstTensorHistograms(const Graph& graph, const Executor& executor, const TensorParams& params,
                                     const std::vector<Int8DebugRow>& rows, SampleFeed& feed,
                                     const std::vector<uint64_t>& samples);

}  // namespace mnnq
