// Executor: plans a forward once (shape inference, constant folding, kernel creation, buffer
// lifetimes) and then runs it any number of times, concurrently if the caller wants.
#include "mnnq/core/executor.hpp"

#include "mnnq/core/op_traits.hpp"

#include "int8/int8_kernels.hpp"
#include "kernels/scratch.hpp"
#include "op_kernel.hpp"

#include "mnnq/core/limits.hpp"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>

namespace mnnq {

using exec::TensorInfo;

namespace {

std::string opLabel(const schema::OpT& op) {
  return std::string(schema::EnumNameOpType(op.type)) + " '" + op.name + "'";
}

// How many leading inputs of an op type its kernels read as float values (0: the op also
// computes on int32 data, or reads only shapes). The dtype of a tensor is known only after
// shape inference, so this part of an op's contract is checked here, while planning: an
// int32 tensor in such a slot (an index list redirected to a shape tensor) would reach a
// kernel that finds no float data.
size_t floatDataInputs(schema::OpType type) {
  switch (type) {
    case schema::OpType_Convolution:
    case schema::OpType_ConvolutionDepthwise:
    case schema::OpType_Deconvolution:
    case schema::OpType_DeconvolutionDepthwise:
    case schema::OpType_InnerProduct:
    case schema::OpType_Eltwise:
    case schema::OpType_DetectionOutput:
      return std::numeric_limits<size_t>::max();
    case schema::OpType_Pooling:
    case schema::OpType_Pooling3D:
    case schema::OpType_ReLU:
    case schema::OpType_ReLU6:
    case schema::OpType_PReLU:
    case schema::OpType_Sigmoid:
    case schema::OpType_TanH:
    case schema::OpType_Softmax:
    case schema::OpType_BatchNorm:
    case schema::OpType_Scale:
    case schema::OpType_Normalize:
    case schema::OpType_Interp:
    case schema::OpType_Resize:
      return 1;
    default:
      return 0;
  }
}

std::string shapeText(const std::vector<int>& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << "]";
  return os.str();
}

// A shape inferred for tensor `t`: rank, every extent and the element count within
// mnnq/core/limits.hpp, checked before anything of that size is allocated.
void checkInferredShape(const Graph& graph, const std::string& who, int t, const std::vector<int>& shape) {
  auto fail = [&](const std::string& what) {
    throw ModelError(graph.source() + ": " + who + ": tensor '" + graph.tensorName(t) + "' would have shape " +
                     shapeText(shape) + ": " + what);
  };
  if (shape.size() > static_cast<size_t>(limits::kMaxRank))
    fail("more than " + std::to_string(limits::kMaxRank) + " dimensions");
  int64_t count = 1;
  for (int d : shape) {
    if (d < 0) fail("a negative extent");
    if (d > limits::kMaxDim) fail("an extent above " + std::to_string(limits::kMaxDim));
    count *= d;
    if (count > limits::kMaxTensorElements)
      fail("more than " + std::to_string(limits::kMaxTensorElements) + " elements (the limit per tensor)");
  }
}

// `overwritten`: the producing kernel stores every element, so a recycled buffer with stale
// values will do (kernels/scratch.hpp); otherwise the buffer is zeroed.
void allocate(Tensor& t, const TensorInfo& info, bool overwritten = false) {
  t.shape = info.shape;
  t.layout = info.layout;
  t.dtype = info.dtype;
  const auto n = static_cast<size_t>(info.elementCount());
  if (info.dtype == DType::Float32 && overwritten) {
    t.f = exec::takeRecycled(n);
    t.i.clear();
  } else if (info.dtype == DType::Float32) {
    t.f.assign(n, 0.f);
    t.i.clear();
  } else {
    t.i.assign(n, 0);
    t.f.clear();
  }
}

void release(Tensor& t) {
  exec::recycle(std::move(t.f));
  std::vector<float>().swap(t.f);
  std::vector<int32_t>().swap(t.i);
}

// Appends the bytes of plain values to a signature (Executor::opSignature).
template <class T>
void appendBytes(std::string& s, const T& v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  s.append(b, sizeof(T));
}

void appendInfo(std::string& s, const TensorInfo& info) {
  appendBytes(s, static_cast<int>(info.present));
  appendBytes(s, static_cast<int>(info.shape.size()));
  for (int d : info.shape) appendBytes(s, d);
  appendBytes(s, static_cast<int>(info.layout));
  appendBytes(s, static_cast<int>(info.dtype));
}

// FNV-1a of a constant's values (its shape is in the info).
uint64_t valueHash(const Tensor& t) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t k = 0; k < n; ++k) h = (h ^ p[k]) * 1099511628211ull;
  };
  mix(t.f.data(), t.f.size() * sizeof(float));
  mix(t.i.data(), t.i.size() * sizeof(int32_t));
  return h;
}

}  // namespace

struct Executor::Impl {
  const Graph& graph;
  ExecutorOptions options;
  std::vector<TensorInfo> infos;
  std::vector<bool> known;     // info inferred
  std::vector<bool> constant;  // value fixed at construction
  std::vector<std::shared_ptr<const Tensor>> constValues;
  struct Step {
    int op;
    std::unique_ptr<exec::OpKernel> kernel;
    std::vector<int> inputs;   // tensor ids (-1 = absent)
    std::vector<int> outputs;  // tensor ids
    std::vector<int> release;  // tensors whose last reader is this step
  };
  std::vector<Step> steps;
  std::vector<int> order;
  std::vector<bool> int8Ops;  // per graph op: replaced by an int8 kernel (simulate_int8)
  std::vector<int> graphInputs;
  std::vector<int> releaseAfterInput;  // graph inputs nobody reads
  std::vector<std::string> signatures;  // per graph op (options.op_signatures)

  // The forward loop of run(), runKeepingAll() and rerun(): `only` selects steps (all when
  // null), inputs not produced here are read from `cached`; `keep` disables releases.
  void runSteps(std::vector<Tensor>& values, const std::vector<Tensor>* cached, const std::vector<char>* only,
                bool keep, TensorHook* hook) const;
  void setInputs(const std::map<int, Tensor>& inputs, std::vector<Tensor>& values, TensorHook* hook) const;

  Impl(const Graph& g, ExecutorOptions o) : graph(g), options(std::move(o)) {}
  void plan();
  void planInput(const schema::OpT& op);
};

void Executor::Impl::planInput(const schema::OpT& op) {
  if (op.outputIndexes.size() != 1)
    throw ModelError(graph.source() + ": Input op '" + op.name + "' must have one output");
  const int t = op.outputIndexes[0];
  const auto* param = op.main.AsInput();
  TensorInfo info;
  const std::string& name = graph.tensorName(t);
  auto given = options.input_shapes.find(name);
  if (given != options.input_shapes.end()) {
    info.shape = given->second;
  } else if (param) {
    info.shape = param->dims;
    // MNN treats an unknown batch as 1.
    if (!info.shape.empty() && info.shape[0] == -1) info.shape[0] = 1;
  }
  for (int d : info.shape)
    if (d < 0)
      throw ModelError(graph.source() + ": input '" + name + "' has unknown dimensions " +
                       shapeText(info.shape) + "; give its shape (e.g. in the config)");
  info.layout = param ? static_cast<Layout>(param->dformat) : Layout::NC4HW4;
  if (info.layout == Layout::Unknown || static_cast<int>(info.layout) == 3) info.layout = Layout::NHWC;
  const auto dt = param ? param->dtype : schema::DataType_DT_FLOAT;
  info.dtype = (dt == schema::DataType_DT_FLOAT || dt == schema::DataType_DT_DOUBLE ||
                dt == schema::DataType_DT_HALF || dt == schema::DataType_DT_BFLOAT16)
                   ? DType::Float32
                   : DType::Int32;
  checkInferredShape(graph, "input", t, info.shape);
  infos[t] = info;
  known[t] = true;
  graphInputs.push_back(t);
}

void Executor::Impl::plan() {
  const int numTensors = graph.numTensors();
  infos.assign(numTensors, TensorInfo{});
  known.assign(numTensors, false);
  constant.assign(numTensors, false);
  constValues.assign(numTensors, nullptr);
  if (options.op_signatures) signatures.assign(graph.numOps(), std::string());

  // 1. Every op type must be implemented: report all missing ones at once.
  std::vector<std::string> unsupported;
  for (int o = 0; o < graph.numOps(); ++o) {
    const auto& op = graph.op(o);
    if (op.type == schema::OpType_Input) continue;
    if (!exec::findOpFactory(op.type)) unsupported.push_back(opLabel(op));
  }
  if (!unsupported.empty()) {
    std::string msg = graph.source() + ": the executor cannot run " +
                      std::to_string(unsupported.size()) + " op(s): ";
    for (size_t k = 0; k < unsupported.size(); ++k) msg += (k ? ", " : "") + unsupported[k];
    throw UnsupportedOpsError(msg, unsupported);
  }

  // 2. Shape inference, kernel creation and constant folding, in file order (topological).
  std::vector<exec::OpContext> stepContexts;  // kept for the int8 simulation (step 2b)
  for (int o = 0; o < graph.numOps(); ++o) {
    const auto& op = graph.op(o);
    if (op.type == schema::OpType_Input) {
      planInput(op);
      continue;
    }
    exec::OpContext ctx{op, {}, {}, {}, options.simulate_int8};
    bool allConstant = true;
    for (int t : op.inputIndexes) {
      if (t < 0) {
        TensorInfo absent;
        absent.present = false;
        ctx.inputs.push_back(absent);
        ctx.constants.push_back(nullptr);
        continue;
      }
      if (t >= numTensors || !known[t])
        throw ModelError(graph.source() + ": " + opLabel(op) + " reads tensor " +
                         std::to_string(t) + " before it is produced");
      ctx.inputs.push_back(infos[t]);
      ctx.constants.push_back(constValues[t].get());
      allConstant = allConstant && constant[t];
    }
    const size_t floatInputs = std::min(floatDataInputs(op.type), ctx.inputs.size());
    for (size_t k = 0; k < floatInputs; ++k)
      if (ctx.inputs[k].present && ctx.inputs[k].dtype != DType::Float32)
        throw ModelError(graph.source() + ": " + opLabel(op) + ": input " + std::to_string(k) + " ('" +
                         graph.tensorName(op.inputIndexes[k]) + "') holds integers; this op computes on float values");
    ctx.outputs.resize(op.outputIndexes.size());
    std::unique_ptr<exec::OpKernel> kernel;
    try {
      kernel = (*exec::findOpFactory(op.type))(ctx);
    } catch (const exec::UnsupportedOp& e) {
      unsupported.push_back(opLabel(op) + ": " + e.what());
      // Later ops depend on this one's outputs; stop here and report what we have.
      break;
    } catch (const ModelError&) {
      throw;
    } catch (const std::exception& e) {
      throw ModelError(graph.source() + ": " + opLabel(op) + ": " + e.what());
    }
    for (size_t k = 0; k < op.outputIndexes.size(); ++k) {
      const int t = op.outputIndexes[k];
      if (t < 0 || t >= numTensors) continue;
      checkInferredShape(graph, opLabel(op), t, ctx.outputs[k].shape);
      infos[t] = ctx.outputs[k];
      known[t] = true;
    }
    const bool foldable = allConstant || hasOpTrait(op.type, kOpShapeOnly);
    if (foldable) {
      std::vector<const Tensor*> in;
      for (int t : op.inputIndexes) in.push_back(t >= 0 && constant[t] ? constValues[t].get() : nullptr);
      std::vector<Tensor> outs(op.outputIndexes.size());
      std::vector<Tensor*> outPtrs;
      for (size_t k = 0; k < outs.size(); ++k) {
        allocate(outs[k], ctx.outputs[k]);
        outPtrs.push_back(&outs[k]);
      }
      try {
        kernel->run(in, outPtrs);
      } catch (const std::exception& e) {
        throw ModelError(graph.source() + ": " + opLabel(op) + ": " + e.what());
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        const int t = op.outputIndexes[k];
        constant[t] = true;
        constValues[t] = std::make_shared<const Tensor>(std::move(outs[k]));
      }
      continue;
    }
    if (options.op_signatures) {
      std::string& sig = signatures[o];
      flatbuffers::FlatBufferBuilder fbb;
      fbb.Finish(schema::CreateOp(fbb, &op));
      appendBytes(sig, static_cast<uint64_t>(fbb.GetSize()));
      sig.append(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
      for (size_t k = 0; k < op.inputIndexes.size(); ++k) {
        const int t = op.inputIndexes[k];
        appendInfo(sig, ctx.inputs[k]);
        const bool isConst = t >= 0 && constant[t];
        appendBytes(sig, static_cast<int>(isConst));
        if (isConst) appendBytes(sig, valueHash(*constValues[t]));
      }
      for (const auto& info : ctx.outputs) appendInfo(sig, info);
    }
    Step step;
    step.op = o;
    step.kernel = std::move(kernel);
    step.inputs = op.inputIndexes;
    step.outputs = op.outputIndexes;
    steps.push_back(std::move(step));
    if (options.simulate_int8) stepContexts.push_back(ctx);
  }
  if (!unsupported.empty()) {
    std::string msg = graph.source() + ": the executor cannot run: ";
    for (size_t k = 0; k < unsupported.size(); ++k) msg += (k ? "; " : "") + unsupported[k];
    throw UnsupportedOpsError(msg, unsupported);
  }
  for (int t : graph.outputs())
    if (t < 0 || t >= numTensors || !known[t])
      throw ModelError(graph.source() + ": graph output " + std::to_string(t) +
                       " is never produced");

  // 2b. Int8 simulation (core/exec/int8): ops MNN's CPU runtime runs in int8 get int8 kernels.
  if (options.simulate_int8) {
    const exec::int8::Int8Plan int8Plan(graph, infos, constant);
    int8Ops.assign(graph.numOps(), false);
    for (size_t s = 0; s < steps.size(); ++s) {
      try {
        const exec::OpKernel* floatKernel = steps[s].kernel.get();
        steps[s].kernel = exec::int8::simulatedKernel(int8Plan, steps[s].op, stepContexts[s], std::move(steps[s].kernel));
        int8Ops[steps[s].op] = steps[s].kernel.get() != floatKernel;
        if (options.op_signatures) {
          // What simulatedKernel reads from the plan: the op's int8 decision, its tensors'
          // attributes and the outputs' int8 Raster flags.
          std::string& sig = signatures[steps[s].op];
          appendBytes(sig, static_cast<int>(int8Plan.int8Op(steps[s].op)));
          appendBytes(sig, static_cast<int>(int8Ops[steps[s].op]));
          auto attr = [&](int t) {
            const exec::int8::QuantAttr* a = t >= 0 ? int8Plan.attr(t) : nullptr;
            appendBytes(sig, static_cast<int>(a != nullptr));
            if (!a) return;
            appendBytes(sig, a->scale);
            appendBytes(sig, a->zero);
            appendBytes(sig, a->min);
            appendBytes(sig, a->max);
            appendBytes(sig, static_cast<int>(a->int8));
          };
          for (int t : steps[s].inputs) attr(t);
          for (int t : steps[s].outputs) {
            attr(t);
            appendBytes(sig, static_cast<int>(t >= 0 && int8Plan.int8Raster(t)));
          }
        }
      } catch (const std::exception& e) {
        throw ModelError(graph.source() + ": int8 simulation of " + opLabel(graph.op(steps[s].op)) + ": " + e.what());
      }
    }
  }

  // 3. Lifetimes: a runtime tensor is released after its last reader (outputs are kept).
  std::vector<int> lastUse(numTensors, -1);
  for (size_t s = 0; s < steps.size(); ++s)
    for (int t : steps[s].inputs)
      if (t >= 0 && !constant[t]) lastUse[t] = static_cast<int>(s);
  std::set<int> keep(graph.outputs().begin(), graph.outputs().end());
  for (size_t s = 0; s < steps.size(); ++s) {
    order.push_back(steps[s].op);
    std::set<int> rel;
    for (int t : steps[s].inputs)
      if (t >= 0 && !constant[t] && lastUse[t] == static_cast<int>(s) && !keep.count(t)) rel.insert(t);
    for (int t : steps[s].outputs)
      if (t >= 0 && lastUse[t] < 0 && !keep.count(t)) rel.insert(t);
    steps[s].release.assign(rel.begin(), rel.end());
  }
  for (int t : graphInputs)
    if (lastUse[t] < 0 && !keep.count(t)) releaseAfterInput.push_back(t);
}

Executor::Executor(const Graph& graph, ExecutorOptions options)
    : impl_(std::make_unique<Impl>(graph, std::move(options))) {
  exec::retainFreedMemory();  // forwards reuse the memory of earlier ones (kernels/scratch.hpp)
  impl_->plan();
}

Executor::~Executor() = default;

const Graph& Executor::graph() const { return impl_->graph; }
const std::vector<int>& Executor::shape(int tensor) const { return impl_->infos.at(tensor).shape; }
Layout Executor::layout(int tensor) const { return impl_->infos.at(tensor).layout; }
DType Executor::dtype(int tensor) const { return impl_->infos.at(tensor).dtype; }
bool Executor::isConstant(int tensor) const { return impl_->constant.at(tensor); }
const std::vector<int>& Executor::executionOrder() const { return impl_->order; }
bool Executor::runsInt8(int op) const {
  return op >= 0 && op < static_cast<int>(impl_->int8Ops.size()) && impl_->int8Ops[op];
}

std::vector<std::string> Executor::approximatedInt8Ops() const {
  std::vector<std::string> out;
  for (int op : impl_->order) {
    if (!runsInt8(op)) continue;
    const std::string gap = exec::int8::winogradInt8Gap(impl_->graph.op(op));
    if (!gap.empty()) out.push_back("'" + impl_->graph.op(op).name + "': " + gap);
  }
  return out;
}

void Executor::Impl::setInputs(const std::map<int, Tensor>& inputs, std::vector<Tensor>& values,
                               TensorHook* hook) const {
  const Graph& g = graph;
  for (int t : graphInputs) {
    auto it = inputs.find(t);
    if (it == inputs.end())
      throw std::invalid_argument("Executor::run: no value for graph input '" + g.tensorName(t) + "'");
    const Tensor& given = it->second;
    const TensorInfo& info = infos[t];
    if (given.shape != info.shape)
      throw std::invalid_argument("Executor::run: input '" + g.tensorName(t) + "' has shape " +
                                  shapeText(given.shape) + ", the executor was built for " +
                                  shapeText(info.shape));
    Tensor& v = values[t];
    v.shape = info.shape;
    v.layout = info.layout;
    v.dtype = info.dtype;
    if (info.dtype == DType::Float32) {
      if (given.dtype == DType::Float32) {
        v.f = given.f;
      } else {
        v.f.assign(given.i.begin(), given.i.end());
      }
    } else {
      if (given.dtype == DType::Int32) {
        v.i = given.i;
      } else {
        v.i.resize(given.f.size());
        for (size_t k = 0; k < v.i.size(); ++k) v.i[k] = static_cast<int32_t>(given.f[k]);
      }
    }
    if (static_cast<int64_t>(v.dtype == DType::Float32 ? v.f.size() : v.i.size()) != info.elementCount())
      throw std::invalid_argument("Executor::run: input '" + g.tensorName(t) + "' data size does not match its shape");
    if (hook && v.dtype == DType::Float32) hook->onTensor(t, v);
  }
}

void Executor::Impl::runSteps(std::vector<Tensor>& values, const std::vector<Tensor>* cached,
                              const std::vector<char>* only, bool keep, TensorHook* hook) const {
  const Graph& g = graph;
  // With `cached`: which tensors this call produced (the others are read from the cache).
  std::vector<char> local(cached ? values.size() : 0, 0);
  std::vector<const Tensor*> in;
  std::vector<Tensor*> out;
  for (const auto& step : steps) {
    if (only && !(*only)[step.op]) continue;
    in.clear();
    out.clear();
    for (int t : step.inputs) {
      if (t < 0) {
        in.push_back(nullptr);
      } else if (constant[t]) {
        in.push_back(constValues[t].get());
      } else if (cached && !local[t]) {
        const Tensor& c = (*cached)[t];
        if (c.shape != infos[t].shape || c.dtype != infos[t].dtype)
          throw std::logic_error("Executor::rerun: " + opLabel(g.op(step.op)) + " reads tensor '" +
                                 g.tensorName(t) + "', which is neither re-run nor cached with its shape");
        in.push_back(&c);
      } else {
        in.push_back(&values[t]);
      }
    }
    for (int t : step.outputs) {
      allocate(values[t], infos[t], step.kernel->writesAllOutputs());
      if (cached) local[t] = 1;
      out.push_back(&values[t]);
    }
    try {
      step.kernel->run(in, out);
    } catch (const std::exception& e) {
      throw std::runtime_error(g.source() + ": " + opLabel(g.op(step.op)) + ": " + e.what());
    }
    if (hook)
      for (int t : step.outputs)
        if (values[t].dtype == DType::Float32) hook->onTensor(t, values[t]);
    if (!keep)
      for (int t : step.release)
        if (!cached || local[t]) release(values[t]);
  }
  if (cached)
    for (int t : g.outputs())
      if (!constant[t] && !local[t]) values[t] = (*cached)[t];
}

std::map<int, Tensor> Executor::run(const std::map<int, Tensor>& inputs, TensorHook* hook) const {
  const Impl& I = *impl_;
  std::vector<Tensor> values(I.graph.numTensors());
  I.setInputs(inputs, values, hook);
  for (int t : I.releaseAfterInput) release(values[t]);
  I.runSteps(values, nullptr, nullptr, false, hook);
  std::map<int, Tensor> result;
  for (int t : I.graph.outputs()) {
    if (I.constant[t]) result[t] = *I.constValues[t];
    else result[t] = std::move(values[t]);
  }
  return result;
}

const std::string& Executor::opSignature(int op) const {
  if (!impl_->options.op_signatures) throw std::logic_error("Executor::opSignature: built without op_signatures");
  return impl_->signatures.at(op);
}

std::vector<Tensor> Executor::runKeepingAll(const std::map<int, Tensor>& inputs) const {
  const Impl& I = *impl_;
  std::vector<Tensor> values(I.graph.numTensors());
  I.setInputs(inputs, values, nullptr);
  I.runSteps(values, nullptr, nullptr, true, nullptr);
  return values;
}

std::map<int, Tensor> Executor::rerun(const std::vector<Tensor>& cached, const std::vector<char>& rerun) const {
  const Impl& I = *impl_;
  if (cached.size() != static_cast<size_t>(I.graph.numTensors()) ||
      rerun.size() != static_cast<size_t>(I.graph.numOps()))
    throw std::invalid_argument("Executor::rerun: cache or op mask of another graph size");
  std::vector<Tensor> values(I.graph.numTensors());
  I.runSteps(values, &cached, &rerun, false, nullptr);
  std::map<int, Tensor> result;
  for (int t : I.graph.outputs()) {
    if (I.constant[t]) result[t] = *I.constValues[t];
    else result[t] = std::move(values[t]);
  }
  return result;
}

}  // namespace mnnq
