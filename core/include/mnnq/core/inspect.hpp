// What `mnnq inspect` reports about a model: the facts a user needs before writing a config
// (inputs and their layout, outputs, op mix, size, and whether / how it is already quantized).
#pragma once

#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mnnq {

struct InspectTensor {
  int id = -1;
  std::string name;
  std::vector<int> shape;  // as declared in the model; empty = unknown, -1 = dynamic dim
  std::string layout;      // NCHW, NHWC, NC4HW4, ... ("" if unknown)
  std::string dtype;       // float32, int32, ... ("" if unknown)
};

// One op of the graph, in file order: what `skip_quant_op_names` names and what it touches.
struct InspectOp {
  int index = -1;
  std::string name;
  std::string type;                  // OpType name (Convolution, ReLU, ...)
  std::vector<std::string> inputs;   // tensor names ("" for an absent optional input)
  std::vector<std::string> outputs;
  // 1: MNN's CPU runtime runs it with an int8 kernel; 0: in float (every op of a float model);
  // -1: unknown (the executor could not be built, see InspectReport::executor_check).
  int quantized = -1;
};

struct InspectQuantization {
  int convolutions = 0;          // Convolution / ConvolutionDepthwise / Deconvolution ops
  int int8_convolutions = 0;     // with coded int8 weights and no float weight (run in int8)
  int coded_weight_only = 0;     // coded weights but float execution (e.g. Deconvolution)
  int legacy_int8_ops = 0;       // ConvInt8 / DepthwiseConvInt8 / FloatToInt8 / Int8ToFloat
  std::map<int, int> weight_bits;  // aMaxOrBits -> count
  int tensors_with_quant_info = 0;
  int zero_scales = 0;           // quant infos with scale 0 (tensor left in float by MNN)
  float scale_min = 0, scale_max = 0;  // over scales > 0
  int unary_tables = 0;          // UnaryOp with tableInt8
  bool quantized() const { return int8_convolutions > 0 || tensors_with_quant_info > 0 || legacy_int8_ops > 0; }
};

struct InspectReport {
  std::string file;
  uint64_t file_bytes = 0;
  std::string source_framework;  // Net.sourceType
  std::string producer;          // bizCode / extraInfo version, when present
  int op_count = 0;
  int tensor_count = 0;
  std::vector<InspectTensor> inputs;
  std::vector<InspectTensor> outputs;
  std::map<std::string, int> op_types;  // op type name -> count
  uint64_t parameter_count = 0;  // constant elements: weights, biases, constants, norm params
  uint64_t parameter_bytes = 0;  // their storage size in the file
  InspectQuantization quantization;
  std::vector<InspectOp> ops;    // every op in file order
  // Filled by the caller that can ask the executor (core/model does not depend on it).
  std::vector<std::string> unsupported_ops;
  std::string executor_check;  // "" if checked, else why it could not be checked
};

InspectReport inspectModel(const Graph& graph, uint64_t file_bytes);
// Loads `path` and reports it, including the ops the executor cannot run (as `mnnq inspect`
// and the Python `mnnq.inspect` do). Defined in core/pipeline, which sees the executor.
InspectReport inspectModelFile(const std::string& path);
// with_ops adds "op_list" (JSON) / the op table (text): `mnnq inspect --ops`.
nlohmann::json inspectToJson(const InspectReport& report, bool with_ops = false);
std::string inspectToText(const InspectReport& report, bool with_ops = false);
nlohmann::json inspectOpsToJson(const InspectReport& report);
std::string inspectOpsToText(const InspectReport& report);

}  // namespace mnnq
