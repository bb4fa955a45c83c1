#include "mnnq/core/inspect.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace mnnq {
namespace {

std::string layoutName(schema::MNN_DATA_FORMAT f) {
  const char* n = schema::EnumNameMNN_DATA_FORMAT(f);
  return n && *n ? n : "format " + std::to_string(int(f));
}

std::string dtypeName(schema::DataType t) {
  switch (t) {
    case schema::DataType_DT_FLOAT: return "float32";
    case schema::DataType_DT_INT32: return "int32";
    case schema::DataType_DT_INT8: return "int8";
    case schema::DataType_DT_UINT8: return "uint8";
    case schema::DataType_DT_INT64: return "int64";
    case schema::DataType_DT_HALF: return "float16";
    case schema::DataType_DT_BOOL: return "bool";
    default: {
      const char* n = schema::EnumNameDataType(t);
      return n && *n ? n : "type " + std::to_string(int(t));
    }
  }
}

std::string opTypeName(schema::OpType t) {
  const char* n = schema::EnumNameOpType(t);
  return n && *n ? n : "OpType " + std::to_string(int(t));
}

struct Params {
  uint64_t count = 0, bytes = 0;
  template <typename T>
  void add(const std::vector<T>& v) {
    count += v.size();
    bytes += v.size() * sizeof(T);
  }
};

void countBlob(const schema::BlobT& b, Params& p) {
  p.add(b.float32s);
  p.add(b.int32s);
  p.add(b.int64s);
  p.add(b.int8s);
  p.add(b.uint8s);
}

void countIdst(const schema::IDSTQuanT& q, uint64_t weights, Params& p) {
  p.count += weights;
  p.bytes += q.buffer.size();
  p.add(q.alpha);
  p.add(q.alphaFp16);
}

void countOp(const schema::OpT& op, Params& p) {
  switch (op.main.type) {
    case schema::OpParameter_Convolution2D: {
      const auto& c = *op.main.AsConvolution2D();
      p.add(c.weight);
      p.add(c.bias);
      if (c.weight.empty() && c.quanParameter && c.common) {
        uint64_t group = std::max(1, c.common->group);
        uint64_t w = uint64_t(std::max(0, c.common->outputCount)) * std::max(0, c.common->inputCount) / group *
                     std::max(0, c.common->kernelX) * std::max(0, c.common->kernelY);
        countIdst(*c.quanParameter, w, p);
      }
      break;
    }
    case schema::OpParameter_Blob: countBlob(*op.main.AsBlob(), p); break;
    case schema::OpParameter_InnerProduct: {
      const auto& c = *op.main.AsInnerProduct();
      p.add(c.weight);
      p.add(c.bias);
      break;
    }
    case schema::OpParameter_MatMul: {
      const auto& c = *op.main.AsMatMul();
      p.add(c.weight);
      p.add(c.bias);
      break;
    }
    case schema::OpParameter_Scale: {
      const auto& c = *op.main.AsScale();
      p.add(c.scaleData);
      p.add(c.biasData);
      break;
    }
    case schema::OpParameter_BatchNorm: {
      const auto& c = *op.main.AsBatchNorm();
      p.add(c.slopeData);
      p.add(c.meanData);
      p.add(c.varData);
      p.add(c.biasData);
      break;
    }
    case schema::OpParameter_PRelu: p.add(op.main.AsPRelu()->slope); break;
    case schema::OpParameter_LayerNorm: {
      const auto& c = *op.main.AsLayerNorm();
      p.add(c.gamma);
      p.add(c.beta);
      break;
    }
    case schema::OpParameter_Convolution3D: {
      const auto& c = *op.main.AsConvolution3D();
      p.add(c.weight);
      p.add(c.bias);
      break;
    }
    default: break;
  }
}

bool isConvolution(schema::OpType t) {
  return t == schema::OpType_Convolution || t == schema::OpType_ConvolutionDepthwise ||
         t == schema::OpType_Deconvolution || t == schema::OpType_DeconvolutionDepthwise;
}

void inspectQuantization(const Graph& g, InspectQuantization& q) {
  const schema::NetT& net = g.net();
  for (const auto& op : net.oplists) {
    if (op->type == schema::OpType_ConvInt8 || op->type == schema::OpType_DepthwiseConvInt8 ||
        op->type == schema::OpType_FloatToInt8 || op->type == schema::OpType_Int8ToFloat) {
      ++q.legacy_int8_ops;
    }
    if (op->type == schema::OpType_UnaryOp && op->main.type == schema::OpParameter_UnaryOp &&
        !op->main.AsUnaryOp()->tableInt8.empty()) {
      ++q.unary_tables;
    }
    if (!isConvolution(op->type) || op->main.type != schema::OpParameter_Convolution2D) continue;
    ++q.convolutions;
    const auto& c = *op->main.AsConvolution2D();
    if (!c.quanParameter || c.quanParameter->buffer.empty()) continue;
    ++q.weight_bits[c.quanParameter->aMaxOrBits];
    // The runtime runs a conv in int8 only when the float weight is absent and the op is a
    // (depthwise) convolution; deconvolutions only decompress their weights.
    bool int8 = c.weight.empty() && op->inputIndexes.size() == 1 &&
                (op->type == schema::OpType_Convolution || op->type == schema::OpType_ConvolutionDepthwise);
    if (int8) ++q.int8_convolutions; else ++q.coded_weight_only;
  }
  bool first = true;
  for (const auto& d : net.extraTensorDescribe) {
    if (!d->quantInfo) continue;
    ++q.tensors_with_quant_info;
    float s = d->quantInfo->scale;
    if (!(s > 0)) {
      ++q.zero_scales;
      continue;
    }
    q.scale_min = first ? s : std::min(q.scale_min, s);
    q.scale_max = first ? s : std::max(q.scale_max, s);
    first = false;
  }
}

InspectTensor describeTensor(const Graph& g, int t) {
  InspectTensor out;
  out.id = t;
  out.name = g.tensorName(t);
  int producer = g.producer(t);
  if (producer >= 0) {
    const schema::OpT& op = g.op(producer);
    if (op.type == schema::OpType_Input && op.main.type == schema::OpParameter_Input) {
      const auto& in = *op.main.AsInput();
      out.shape = in.dims;
      out.layout = layoutName(in.dformat);
      out.dtype = dtypeName(in.dtype);
      return out;
    }
  }
  for (const auto& d : g.net().extraTensorDescribe) {
    if (d->index == t && d->blob) {
      out.shape = d->blob->dims;
      out.layout = layoutName(d->blob->dataFormat);
      out.dtype = dtypeName(d->blob->dataType);
    }
  }
  return out;
}

std::string shapeText(const std::vector<int>& shape) {
  if (shape.empty()) return "?";
  std::ostringstream os;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) os << "x";
    if (shape[i] < 0) os << "?"; else os << shape[i];
  }
  return os.str();
}

nlohmann::json tensorJson(const InspectTensor& t) {
  nlohmann::json j = {{"id", t.id}, {"name", t.name}};
  j["shape"] = t.shape.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.shape);
  j["layout"] = t.layout.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.layout);
  j["dtype"] = t.dtype.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.dtype);
  return j;
}

std::string humanBytes(uint64_t b) {
  std::ostringstream os;
  if (b >= (1u << 20)) os << std::fixed << std::setprecision(2) << b / 1048576.0 << " MiB";
  else if (b >= 1024) os << std::fixed << std::setprecision(1) << b / 1024.0 << " KiB";
  else os << b << " B";
  return os.str();
}

}  // namespace

InspectReport inspectModel(const Graph& g, uint64_t file_bytes) {
  InspectReport r;
  const schema::NetT& net = g.net();
  r.file = g.source();
  r.file_bytes = file_bytes;
  const char* src = schema::EnumNameNetSource(net.sourceType);
  r.source_framework = src && *src ? src : "source " + std::to_string(int(net.sourceType));
  r.producer = net.bizCode;
  if (net.extraInfo && !net.extraInfo->version.empty()) {
    r.producer += (r.producer.empty() ? "" : ", ") + std::string("MNN ") + net.extraInfo->version;
  }
  r.op_count = g.numOps();
  r.tensor_count = g.numTensors();
  for (int t : g.inputs()) r.inputs.push_back(describeTensor(g, t));
  for (int t : g.outputs()) r.outputs.push_back(describeTensor(g, t));
  Params p;
  for (const auto& op : net.oplists) {
    ++r.op_types[opTypeName(op->type)];
    countOp(*op, p);
  }
  r.parameter_count = p.count;
  r.parameter_bytes = p.bytes;
  inspectQuantization(g, r.quantization);
  for (int o = 0; o < g.numOps(); ++o) {
    const schema::OpT& op = g.op(o);
    InspectOp io;
    io.index = o;
    io.name = op.name;
    io.type = opTypeName(op.type);
    for (int t : op.inputIndexes) io.inputs.push_back(t >= 0 && t < g.numTensors() ? g.tensorName(t) : "");
    for (int t : op.outputIndexes) io.outputs.push_back(t >= 0 && t < g.numTensors() ? g.tensorName(t) : "");
    io.quantized = r.quantization.quantized() ? -1 : 0;
    r.ops.push_back(std::move(io));
  }
  return r;
}

nlohmann::json inspectOpsToJson(const InspectReport& r) {
  nlohmann::json list = nlohmann::json::array();
  for (const InspectOp& op : r.ops) {
    list.push_back({{"index", op.index},
                    {"name", op.name},
                    {"type", op.type},
                    {"inputs", op.inputs},
                    {"outputs", op.outputs},
                    {"quantized", op.quantized < 0 ? nlohmann::json(nullptr) : nlohmann::json(op.quantized == 1)}});
  }
  return list;
}

std::string inspectOpsToText(const InspectReport& r) {
  size_t nameWidth = 4, typeWidth = 4;
  for (const InspectOp& op : r.ops) {
    nameWidth = std::max(nameWidth, op.name.size());
    typeWidth = std::max(typeWidth, op.type.size());
  }
  nameWidth = std::min<size_t>(nameWidth, 48);
  typeWidth = std::min<size_t>(typeWidth, 24);
  auto list = [](const std::vector<std::string>& names) {
    std::string s;
    for (size_t k = 0; k < names.size(); ++k) s += (k ? ", " : "") + (names[k].empty() ? std::string("-") : names[k]);
    return s;
  };
  std::ostringstream os;
  os << "ops (" << r.ops.size() << ", file order; `skip_quant_op_names` takes the names):\n";
  os << std::setw(5) << "#" << "  " << std::left << std::setw(int(nameWidth)) << "name" << "  "
     << std::setw(int(typeWidth)) << "type" << "  " << std::setw(7) << "runs" << "  inputs -> outputs\n";
  for (const InspectOp& op : r.ops) {
    const char* runs = op.quantized == 1 ? "int8" : op.quantized == 0 ? "float" : "?";
    os << std::right << std::setw(5) << op.index << "  " << std::left << std::setw(int(nameWidth)) << op.name << "  "
       << std::setw(int(typeWidth)) << op.type << "  " << std::setw(7) << runs << "  " << list(op.inputs) << " -> "
       << list(op.outputs) << "\n";
  }
  os << std::right;
  if (r.quantization.quantized()) {
    if (!r.executor_check.empty())
      os << "int8 or float per op: unknown (" << r.executor_check << ")\n";
  }
  return os.str();
}

nlohmann::json inspectToJson(const InspectReport& r, bool with_ops) {
  nlohmann::json j;
  j["file"] = r.file;
  j["file_bytes"] = r.file_bytes;
  j["source_framework"] = r.source_framework;
  j["producer"] = r.producer;
  j["ops"] = r.op_count;
  j["tensors"] = r.tensor_count;
  j["inputs"] = nlohmann::json::array();
  for (const auto& t : r.inputs) j["inputs"].push_back(tensorJson(t));
  j["outputs"] = nlohmann::json::array();
  for (const auto& t : r.outputs) j["outputs"].push_back(tensorJson(t));
  j["op_types"] = r.op_types;
  j["parameters"] = {{"count", r.parameter_count}, {"bytes", r.parameter_bytes}};
  const InspectQuantization& q = r.quantization;
  nlohmann::json bits = nlohmann::json::object();
  for (const auto& [b, n] : q.weight_bits) bits[std::to_string(b)] = n;
  j["quantization"] = {{"quantized", q.quantized()},
                       {"convolutions", q.convolutions},
                       {"int8_convolutions", q.int8_convolutions},
                       {"coded_weight_only", q.coded_weight_only},
                       {"legacy_int8_ops", q.legacy_int8_ops},
                       {"weight_bits", bits},
                       {"tensors_with_quant_info", q.tensors_with_quant_info},
                       {"zero_scales", q.zero_scales},
                       {"scale_min", q.tensors_with_quant_info > q.zero_scales ? nlohmann::json(q.scale_min) : nlohmann::json(nullptr)},
                       {"scale_max", q.tensors_with_quant_info > q.zero_scales ? nlohmann::json(q.scale_max) : nlohmann::json(nullptr)},
                       {"unary_int8_tables", q.unary_tables}};
  j["unsupported_ops"] = r.unsupported_ops;
  j["executor_check"] = r.executor_check.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.executor_check);
  if (with_ops) j["op_list"] = inspectOpsToJson(r);
  return j;
}

std::string inspectToText(const InspectReport& r, bool with_ops) {
  std::ostringstream os;
  os << "model:      " << r.file << " (" << humanBytes(r.file_bytes) << ")\n";
  os << "converted:  from " << r.source_framework;
  if (!r.producer.empty()) os << " (" << r.producer << ")";
  os << "\n";
  os << "graph:      " << r.op_count << " ops, " << r.tensor_count << " tensors\n";
  os << "parameters: " << r.parameter_count << " (" << humanBytes(r.parameter_bytes) << ")\n";
  os << "inputs:\n";
  for (const auto& t : r.inputs) {
    os << "  " << t.name << "  " << shapeText(t.shape) << "  " << (t.layout.empty() ? "?" : t.layout) << "  "
       << (t.dtype.empty() ? "?" : t.dtype) << "\n";
  }
  os << "outputs:\n";
  for (const auto& t : r.outputs) {
    os << "  " << t.name;
    if (!t.shape.empty()) os << "  " << shapeText(t.shape);
    os << "\n";
  }
  os << "op types:\n";
  std::vector<std::pair<std::string, int>> types(r.op_types.begin(), r.op_types.end());
  std::stable_sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [name, n] : types) os << "  " << std::setw(5) << n << "  " << name << "\n";
  const InspectQuantization& q = r.quantization;
  os << "quantization: ";
  if (!q.quantized()) {
    os << "none (float model)\n";
  } else {
    os << "\n  int8 convolutions:       " << q.int8_convolutions << " of " << q.convolutions << "\n";
    if (q.coded_weight_only) os << "  coded weights, float run: " << q.coded_weight_only << "\n";
    if (q.legacy_int8_ops) os << "  legacy int8 ops:         " << q.legacy_int8_ops << "\n";
    if (!q.weight_bits.empty()) {
      os << "  weight bits:            ";
      for (const auto& [b, n] : q.weight_bits) os << " " << b << " (x" << n << ")";
      os << "\n";
    }
    os << "  tensors with quant info: " << q.tensors_with_quant_info;
    if (q.zero_scales) os << " (" << q.zero_scales << " with scale 0)";
    os << "\n";
    if (q.tensors_with_quant_info > q.zero_scales) {
      os << "  feature scale range:     " << q.scale_min << " .. " << q.scale_max << "\n";
    }
    os << "  unary int8 tables:       " << q.unary_tables << "\n";
  }
  if (!r.executor_check.empty()) {
    os << "executable by mnnq: not checked (" << r.executor_check << ")\n";
  } else if (r.unsupported_ops.empty()) {
    os << "executable by mnnq: yes, every op\n";
  } else {
    os << "ops mnnq cannot execute (" << r.unsupported_ops.size() << "):\n";
    for (const auto& o : r.unsupported_ops) os << "  " << o << "\n";
  }
  if (with_ops) os << inspectOpsToText(r);
  return os.str();
}

}  // namespace mnnq
