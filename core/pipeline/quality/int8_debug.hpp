// `debug: true`: how far each quantized tensor of the written model is from float, measured on
// the real int8 path: the float model against the quantized model run with the int8 simulation
// (int8 weights, int8 kernels, MNN's conversions), so errors accumulate through the network the
// way they do in MNN's runtime. Per tensor with quantization parameters in the written file:
//   cosine    sum(a*b) / (|a| |b|) between float a and int8 b, averaged over samples
//   overflow  fraction of elements whose float value lies outside the representable range,
//             i.e. a / scale + zero rounds below min or above max (clipped). A value sitting
//             exactly on the range's lower end (a ReLU's zeros on an asymmetric range whose
//             zero point is min) is representable and does not count.
//   SQNR      10 log10(sum a^2 / sum (a-b)^2) in dB
// with the op that produces the tensor (name and type) and whether it is a model output. Rows
// are sorted worst cosine first; the result does not depend on the thread count.
#pragma once

#include "../progress.hpp"
#include "../sample_feed.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mnnq {

struct Int8DebugRow {
  std::string tensor;
  int tensor_id = -1;
  std::string op;       // producing op ("" for a graph input)
  std::string op_type;  // its type ("Input" for a graph input)
  bool model_output = false;
  double cosine = 0;
  double overflow = 0;
  double sqnr_db = 0;
};

struct Int8DebugOptions {
  unsigned threads = 1;
  bool quiet = false;
  ProgressCallback progress;
};

// float_graph: the model the run calibrated (tensor ids as in `quantized`); exec_options: the
// feed's input shapes.
std::vector<Int8DebugRow> int8DebugReport(const Graph& float_graph, const Graph& quantized,
                                          const ExecutorOptions& exec_options, SampleFeed& feed,
                                          const std::vector<uint64_t>& samples,
                                          const Int8DebugOptions& options);

std::string int8DebugTable(const std::vector<Int8DebugRow>& rows, size_t max_rows);
std::string int8DebugCsv(const std::vector<Int8DebugRow>& rows);
nlohmann::json int8DebugJson(const std::vector<Int8DebugRow>& rows);

}  // namespace mnnq
