// `debug: true`: how much each quantized tensor deviates from float (mnn-quantizer-facts.md C.8,
// extended).
//
// For every sample, a float forward (reference) and a forward in which each tensor with
// parameters is replaced, in place, by its fake-quantized value x^ = (clamp(round(x/s + z),
// min, max) - z) * s as soon as it is produced, so errors accumulate through the network the
// way they will at int8 run time (weights stay float, as in MNN). Per tensor:
//   cosine    sum(a*b) / (|a| |b|) between reference a and fake-quantized b (MNN's "cos distance")
//   overflow  fraction of elements whose code hit the clamp bound (MNN's "overflow ratio")
//   SQNR      10 log10(sum a^2 / sum (a-b)^2) in dB
// each averaged over samples. Rows are sorted worst cosine first.
#pragma once

#include "calibration_tensors.hpp"
#include "run_context.hpp"
#include "sample_feed.hpp"
#include "tensor_params.hpp"

#include "mnnq/core/executor.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mnnq {

struct DebugRow {
  std::string tensor;
  int tensor_id = -1;
  double cosine = 0;
  double overflow = 0;
  double sqnr_db = 0;
};

std::vector<DebugRow> debugReport(const Graph& graph, const Executor& executor,
                                  const TensorParams& params, SampleFeed& feed,
                                  const std::vector<uint64_t>& samples, const RunContext& context);

std::string debugTable(const std::vector<DebugRow>& rows, size_t max_rows);
std::string debugCsv(const std::vector<DebugRow>& rows);
nlohmann::json debugJson(const std::vector<DebugRow>& rows);

}  // namespace mnnq
