#include "int8_plan.hpp"

#include "mnnq/core/op_traits.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace mnnq::exec::int8 {
namespace {

// One command of MNN's lowered stream. op < 0 marks a Raster that materialises `outputs[0]`.
struct Command {
  int op = -1;
  int type = schema::OpType_Raster;
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// MNN's geometry lowers a BinaryOp whose one input must be broadcast to the output, on tensors
// that all share one non-NC4HW4 format (a channels-last model's NHWC squeeze-excite multiply),
// to a Loop command instead of Raster + BinaryOp (GeometryBinary, MNN_BINARY_LOOP_OPT with the
// default geometry mask). The CPU backend runs that Loop in float whatever the quant attributes.
// A scalar input (one element) keeps the plain BinaryOp command, as does a fused activation.
bool binaryLowersToLoop(const schema::OpT& op, const std::vector<TensorInfo>& infos) {
  if (op.type != schema::OpType_BinaryOp || op.inputIndexes.size() != 2 || op.outputIndexes.empty()) return false;
  const int i0 = op.inputIndexes[0], i1 = op.inputIndexes[1], o = op.outputIndexes[0];
  const int n = static_cast<int>(infos.size());
  if (i0 < 0 || i1 < 0 || o < 0 || i0 >= n || i1 >= n || o >= n) return false;
  const TensorInfo &a = infos[i0], &b = infos[i1], &out = infos[o];
  if (a.elementCount() == 1 || b.elementCount() == 1) return false;
  const bool nc4 = out.layout == Layout::NC4HW4;
  auto needsBroadcast = [&](const TensorInfo& in) {
    return in.elementCount() != out.elementCount() || in.layout != out.layout ||
           (in.shape.size() != out.shape.size() && nc4);
  };
  const bool single = needsBroadcast(a) != needsBroadcast(b);
  const auto* p = op.main.AsBinaryOp();
  return single && a.layout == out.layout && b.layout == out.layout && !nc4 && a.dtype == DType::Float32 &&
         p && p->activationType == 0;
}

}  // namespace

Int8Plan::Int8Plan(const Graph& graph, const std::vector<TensorInfo>& infos,
                   const std::vector<bool>& constant) {
  const int numTensors = graph.numTensors();
  tensorAttr_.assign(numTensors, -1);
  opInt8_.assign(graph.numOps(), false);
  rasterInt8_.assign(numTensors, false);

  // D.1: quant attributes from the describes, later entries replacing earlier ones.
  for (const auto& d : graph.net().extraTensorDescribe) {
    if (!d || !d->quantInfo || d->index < 0 || d->index >= numTensors) continue;
    const auto& q = *d->quantInfo;
    QuantAttr a;
    a.scale = q.scale;
    a.zero = q.zero;
    a.min = q.min;
    a.max = q.max;
    a.int8 = q.type == schema::DataType_DT_INVALID || q.type == schema::DataType_DT_INT8;
    tensorAttr_[d->index] = static_cast<int>(attrs_.size());
    attrs_.push_back(a);
  }
  quantized_ = !attrs_.empty();
  if (!quantized_) return;

  auto isFloat = [&](int t) { return t >= 0 && t < numTensors && infos[t].dtype == DType::Float32; };

  // Lowered command stream.
  std::vector<Command> commands;
  std::vector<bool> isVirtual(numTensors, false), materialised(numTensors, false);
  auto dataInputs = [&](const schema::OpT& op) {
    std::vector<int> in;
    if (op.type == schema::OpType_Crop || op.type == schema::OpType_Padding) {
      if (!op.inputIndexes.empty()) in.push_back(op.inputIndexes[0]);
      return in;
    }
    for (int t : op.inputIndexes)
      if (isFloat(t)) in.push_back(t);
    return in;
  };
  // Sources of a virtual tensor: the chain of data movement is fused up to tensors that exist.
  std::function<void(int, std::vector<int>&)> sources = [&](int t, std::vector<int>& out) {
    if (!isVirtual[t] || materialised[t]) {
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
      return;
    }
    for (int s : dataInputs(graph.op(graph.producer(t)))) sources(s, out);
  };
  auto materialise = [&](int t) {
    if (t < 0 || !isVirtual[t] || materialised[t]) return;
    Command c;
    c.op = -1;
    c.outputs = {t};
    sources(t, c.inputs);
    materialised[t] = true;
    commands.push_back(std::move(c));
  };
  for (int o = 0; o < graph.numOps(); ++o) {
    const auto& op = graph.op(o);
    if (op.type == schema::OpType_Input) continue;
    bool allConstant = !op.outputIndexes.empty();
    for (int t : op.outputIndexes) allConstant = allConstant && t >= 0 && constant[t];
    if (allConstant) continue;  // folded at load time, never part of the stream
    if (hasOpTrait(op.type, kOpMnnRaster)) {
      for (int t : op.outputIndexes)
        if (t >= 0) isVirtual[t] = true;
      continue;
    }
    Command c;
    c.op = o;
    c.type = binaryLowersToLoop(op, infos) ? schema::OpType_While : op.type;
    // A global Pooling3D on a 4-D tensor is lowered to one Pooling command.
    if (op.type == schema::OpType_Pooling3D && op.main.AsPool3D() && op.main.AsPool3D()->isGlobal &&
        !op.inputIndexes.empty() && op.inputIndexes[0] >= 0 && infos[op.inputIndexes[0]].shape.size() < 5)
      c.type = schema::OpType_Pooling;
    // Interp keeps only its data input once lowered (the size input becomes parameters).
    std::vector<int> in = op.inputIndexes;
    if (op.type == schema::OpType_Interp && !in.empty()) in.resize(1);
    for (int t : in) {
      if (t < 0) continue;
      materialise(t);
      c.inputs.push_back(t);
    }
    for (int t : op.outputIndexes)
      if (t >= 0) c.outputs.push_back(t);
    if (!c.outputs.empty()) commands.push_back(std::move(c));
  }
  for (int t : graph.outputs()) materialise(t);

  // D.2.2 propagation: forward from a single float input to attribute-less outputs, backward
  // from a single float output to attribute-less inputs; fan-in / fan-out links are dropped.
  using Map = std::map<int, std::set<int>>;
  Map forwardMap, backwardMap;
  for (const auto& c : commands) {
    if (!hasOpTrait(c.type, kOpMnnPropagatesQuant)) continue;
    std::vector<int> ins, outs;
    for (int t : c.inputs)
      if (isFloat(t)) ins.push_back(t);
    for (int t : c.outputs)
      if (isFloat(t)) outs.push_back(t);
    if (ins.size() == 1)
      for (int t : outs)
        if (tensorAttr_[t] < 0) forwardMap[ins[0]].insert(t);
    if (outs.size() == 1)
      for (int t : ins)
        if (tensorAttr_[t] < 0) backwardMap[outs[0]].insert(t);
  }
  auto starts = [](Map& map, const Map& anti) {
    for (const auto& [from, to] : anti)
      if (to.size() > 1)
        for (int t : to) map.erase(t);
    std::set<int> roots, leaves, start;
    for (const auto& [from, to] : map) {
      roots.insert(from);
      leaves.insert(to.begin(), to.end());
    }
    std::set_difference(roots.begin(), roots.end(), leaves.begin(), leaves.end(),
                        std::inserter(start, start.begin()));
    return start;
  };
  const std::set<int> forwardStart = starts(forwardMap, backwardMap);
  const std::set<int> backwardStart = starts(backwardMap, forwardMap);
  auto propagate = [&](const Map& map, const std::set<int>& start) {
    std::function<bool(int)> visit = [&](int t) {
      if (tensorAttr_[t] < 0) return false;
      auto it = map.find(t);
      if (it == map.end()) return false;
      bool change = false;
      for (int x : it->second) {
        if (tensorAttr_[x] != tensorAttr_[t]) {
          tensorAttr_[x] = tensorAttr_[t];
          change = true;
        }
        change = visit(x) || change;
      }
      return change;
    };
    bool change = false;
    for (int t : start) change = visit(t) || change;
    return change;
  };
  for (int i = 0; i < 3 && (propagate(forwardMap, forwardStart) || propagate(backwardMap, backwardStart)); ++i) {
  }

  // D.2.3 per-command decision.
  for (const auto& c : commands) {
    const QuantAttr* out = attr(c.outputs[0]);
    if (!out) continue;
    bool allInt8 = true;
    for (int t : c.inputs) {
      const QuantAttr* a = attr(t);
      allInt8 = allInt8 && a && a->int8;
    }
    if (!allInt8) continue;
    bool use = false;
    if (c.op < 0) {
      use = true;
      for (int t : c.inputs) {
        const QuantAttr* a = attr(t);
        if (a->scale != out->scale || a->zero != out->zero || a->scale == 0.f || out->scale == 0.f)
          use = false;
      }
      rasterInt8_[c.outputs[0]] = use;
      continue;
    }
    const auto& op = graph.op(c.op);
    switch (c.type) {
      case schema::OpType_Convolution:
      case schema::OpType_ConvolutionDepthwise: {
        const auto* conv = op.main.AsConvolution2D();
        use = c.inputs.size() == 1 && conv && conv->weight.empty();
        // The int8 executors need coded (or legacy int8) weights.
        use = use && ((conv->quanParameter && !conv->quanParameter->buffer.empty()) ||
                      (conv->symmetricQuan && !conv->symmetricQuan->weight.empty()));
        break;
      }
      case schema::OpType_Pooling: {
        const QuantAttr* in = attr(c.inputs[0]);
        const auto type = op.main.AsPool() ? op.main.AsPool()->type : op.main.AsPool3D()->type;
        use = in->scale == out->scale && in->zero == out->zero &&
              (type == schema::PoolType_MAXPOOL || type == schema::PoolType_AVEPOOL);
        break;
      }
      case schema::OpType_Softmax:
      case schema::OpType_LayerNorm:
        use = true;
        break;
      case schema::OpType_ReLU: {
        const auto* relu = op.main.AsRelu();
        use = attrId(c.inputs[0]) == attrId(c.outputs[0]) && (!relu || relu->slope == 0.f);
        break;
      }
      case schema::OpType_BinaryOp:
      case schema::OpType_Scale:
      case schema::OpType_Interp:
      case schema::OpType_PReLU:
        use = true;
        break;
      case schema::OpType_UnaryOp: {
        const auto* u = op.main.AsUnaryOp();
        use = u && (!u->tableInt8.empty() || u->opType == schema::UnaryOpOperation_NEG ||
                    u->opType == schema::UnaryOpOperation_ABS || u->opType == schema::UnaryOpOperation_SIGN);
        break;
      }
      default:
        use = false;
    }
    opInt8_[c.op] = use;
  }

  // MNN's geometry lowers Normalize to float commands (square, sum, rsqrt, two multiplies) whose
  // last result reaches the op's output only through a Raster (GeometryLRN: makeRawAddressRef).
  // Backward propagation gives that Raster's source the output's attribute, so the Raster runs
  // in int8: the output holds the int8 values of the float result, whoever reads it (a float
  // convolution included).
  for (const auto& c : commands) {
    if (c.op < 0 || c.type != schema::OpType_Normalize) continue;
    const QuantAttr* out = attr(c.outputs[0]);
    if (out && out->int8 && out->scale != 0.f) rasterInt8_[c.outputs[0]] = true;
  }
  int8Produced_.assign(graph.numTensors(), false);
  for (int t = 0; t < graph.numTensors(); ++t) {
    const int p = graph.producer(t);
    int8Produced_[t] = (p >= 0 && opInt8_[p]) || int8Raster(t);
  }
}

const QuantAttr* Int8Plan::attr(int tensor) const {
  const int id = attrId(tensor);
  return id < 0 ? nullptr : &attrs_[id];
}

int Int8Plan::attrId(int tensor) const {
  if (tensor < 0 || tensor >= int(tensorAttr_.size())) return -1;
  return tensorAttr_[tensor];
}

bool Int8Plan::int8Produced(int tensor) const {
  return tensor >= 0 && tensor < int(int8Produced_.size()) && int8Produced_[tensor];
}

bool Int8Plan::int8Raster(int tensor) const {
  return tensor >= 0 && tensor < int(rasterInt8_.size()) && rasterInt8_[tensor];
}

}  // namespace mnnq::exec::int8
