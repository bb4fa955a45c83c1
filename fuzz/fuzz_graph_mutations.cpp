// Structure-aware libFuzzer target: the fuzz input is not a file but a program of edits applied
// through the FlatBuffers object API to a real model (MNNQ_FUZZ_MODELS, ':'-separated .mnn
// paths): op types changed, input/output index lists shortened, extended or redirected,
// parameter tables moved between ops, integer and float parameters, constant values and tensor
// quant attributes set to boundary values. Each edited model then goes through what
// `mnnq inspect`, `mnnq infer` and a calibration forward do: Graph::fromNet (structural checks +
// validateOps), inspectModel, an Executor (shape inference, constant folding, kernel creation)
// and one forward on inputs derived from the fuzz bytes (float or, for quantized models, the
// int8 simulation).
//
// Allowed outcomes: ModelError / UnsupportedOpsError while loading or planning, a
// std::runtime_error from run() (the executor's wrapper around kernel errors). Anything else
// (sanitizer report, crash, another exception type, e.g. bad_alloc or out_of_range) aborts.
// An input with no edits runs the unmodified model (fuzz/run_graph.sh seeds one per model).
#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/inspect.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace mnnq;

struct Model {
  std::string path;
  std::vector<uint8_t> bytes;    // the file
  std::vector<uint8_t> packed;   // as loaded and re-serialised (external data inlined)
  std::vector<uint8_t> reduced;  // packed with smaller input extents: the base of edited runs
  int factor = 1;                // the spatial reduction of `reduced` (1: none ran)
  double cost = 0;               // elements of all tensors of one forward of `reduced` + weights
  double full_work = 0;          // workOf() the unmodified model at its own input size
};
std::vector<Model> gModels;
// Byte 0 (low 7 bits) -> model: slot i < number of models is model i (the seeds of
// run_graph.sh), the other slots go to the models in inverse proportion to their cost, so the
// cheap models get most executions and every model keeps at least its own slot.
std::vector<int> gSlots;

// MNNQ_FUZZ_TIMES=1: one line per execution on stderr with the model and the seconds spent in
// each phase (unpack, load, inspect, executor, forward), for profiling the harness.
bool gTimes = false;
size_t gSkippedForwards = 0;  // edited models whose work exceeds the bound (see workOf)
struct PhaseTimer {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last = Clock::now();
  double t[5] = {0, 0, 0, 0, 0};
  void lap(int k) {
    const auto now = Clock::now();
    t[k] += std::chrono::duration<double>(now - last).count();
    last = now;
  }
};

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool more() const { return p_ < n_; }
  uint8_t u8() { return p_ < n_ ? d_[p_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | u8();
    return v;
  }
  // Half the time a boundary value, otherwise raw bits.
  int32_t i32() {
    static const int32_t kInteresting[] = {0, 1, -1, 2, 3, 4, 5, 7, 8, -2, -3, -4, 16, 255, 256, 1023, 1024, 1025, 4096,
                                           65535, 65536, 1 << 20, 1 << 24, 1 << 30,
                                           std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()};
    const uint8_t sel = u8();
    if (sel & 1) return kInteresting[(sel >> 1) % (sizeof(kInteresting) / sizeof(kInteresting[0]))];
    return static_cast<int32_t>(u32());
  }
  float f32() {
    static const float kInteresting[] = {0.f, 1.f, -1.f, 0.5f, 2.f, 1e-30f, 1e30f, 1e38f, -1e38f,
                                         std::numeric_limits<float>::infinity(),
                                         -std::numeric_limits<float>::infinity(),
                                         std::numeric_limits<float>::quiet_NaN(), 65535.f, 3e9f};
    const uint8_t sel = u8();
    if (sel & 1) return kInteresting[(sel >> 1) % (sizeof(kInteresting) / sizeof(kInteresting[0]))];
    const uint32_t bits = u32();
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t p_ = 0;
};

template <typename T>
void setElement(Reader& r, std::vector<T>& v, T value) {
  if (v.empty()) {
    v.push_back(value);
    return;
  }
  v[r.u8() % v.size()] = value;
}

void editList(Reader& r, std::vector<int>& v, int numTensors) {
  switch (r.u8() % 5) {
    case 0:
      if (!v.empty()) v.pop_back();
      break;
    case 1:
      if (!v.empty()) v.erase(v.begin() + r.u8() % v.size());
      break;
    case 2:
      v.push_back(numTensors ? static_cast<int>(r.u32() % numTensors) : 0);
      break;
    case 3:
      setElement(r, v, numTensors ? static_cast<int>(r.u32() % numTensors) : 0);
      break;
    default:
      setElement(r, v, r.i32());
      break;
  }
}

// Sets one integer or float field of the op's parameter table.
void editParam(Reader& r, schema::OpT& op) {
  const uint8_t field = r.u8();
  const int32_t v = r.i32();
  auto& m = op.main;
  if (auto* c = m.AsConvolution2D()) {
    if (!c->common) c->common = std::make_unique<schema::Convolution2DCommonT>();
    auto& g = *c->common;
    switch (field % 16) {
      case 0: g.padX = v; break;
      case 1: g.padY = v; break;
      case 2: g.kernelX = v; break;
      case 3: g.kernelY = v; break;
      case 4: g.strideX = v; break;
      case 5: g.strideY = v; break;
      case 6: g.dilateX = v; break;
      case 7: g.dilateY = v; break;
      case 8: g.padMode = static_cast<schema::PadMode>(v); break;
      case 9: g.group = v; break;
      case 10: g.outputCount = v; break;
      case 11: g.inputCount = v; break;
      case 12: setElement(r, g.pads, v); break;
      case 13: if (!c->weight.empty()) c->weight.resize(c->weight.size() / 2); break;
      case 14: if (!c->bias.empty()) c->bias.pop_back(); break;
      default: if (!c->weight.empty()) setElement(r, c->weight, r.f32()); break;
    }
  } else if (auto* p = m.AsPool()) {
    switch (field % 10) {
      case 0: p->padX = v; break;
      case 1: p->padY = v; break;
      case 2: p->kernelX = v; break;
      case 3: p->kernelY = v; break;
      case 4: p->strideX = v; break;
      case 5: p->strideY = v; break;
      case 6: p->type = static_cast<schema::PoolType>(v); break;
      case 7: p->padType = static_cast<schema::PoolPadType>(v); break;
      case 8: p->isGlobal = !p->isGlobal; break;
      default: setElement(r, p->pads, v); break;
    }
  } else if (auto* p = m.AsPermute()) {
    setElement(r, p->dims, v);
  } else if (auto* p = m.AsAxis()) {
    p->axis = v;
  } else if (auto* p = m.AsReshape()) {
    if (field & 1) setElement(r, p->dims, v);
    else p->dimType = static_cast<schema::MNN_DATA_FORMAT>(v);
  } else if (auto* p = m.AsSlice()) {
    if (field % 3 == 0) p->axis = v;
    else if (field % 3 == 1) setElement(r, p->slicePoints, v);
    else p->sourceType = static_cast<schema::NetSource>(v);
  } else if (auto* p = m.AsInterp()) {
    switch (field % 7) {
      case 0: p->widthScale = r.f32(); break;
      case 1: p->heightScale = r.f32(); break;
      case 2: p->outputWidth = v; break;
      case 3: p->outputHeight = v; break;
      case 4: p->resizeType = v; break;
      case 5: p->ctm = static_cast<schema::CoordinateTransformationMode>(v); break;
      default: p->widthOffset = r.f32(); break;
    }
  } else if (auto* p = m.AsTensorConvertInfo()) {
    if (field & 1) p->source = static_cast<schema::MNN_DATA_FORMAT>(v);
    else p->dest = static_cast<schema::MNN_DATA_FORMAT>(v);
  } else if (auto* p = m.AsInput()) {
    if (field % 3 == 0) setElement(r, p->dims, v);
    else if (field % 3 == 1) p->dformat = static_cast<schema::MNN_DATA_FORMAT>(v);
    else p->dtype = static_cast<schema::DataType>(v);
  } else if (auto* p = m.AsBlob()) {
    switch (field % 5) {
      case 0: setElement(r, p->dims, v); break;
      case 1: p->dataType = static_cast<schema::DataType>(v); break;
      case 2: if (!p->int32s.empty()) setElement(r, p->int32s, v); break;
      case 3: if (!p->float32s.empty()) setElement(r, p->float32s, r.f32()); break;
      default: p->dims.push_back(v); break;
    }
  } else if (auto* p = m.AsSqueezeParam()) {
    setElement(r, p->squeezeDims, v);
  } else if (auto* p = m.AsStridedSliceParam()) {
    switch (field % 6) {
      case 0: p->beginMask = v; break;
      case 1: p->endMask = v; break;
      case 2: p->ellipsisMask = v; break;
      case 3: p->newAxisMask = v; break;
      case 4: p->shrinkAxisMask = v; break;
      default: p->fromType = v; break;
    }
  } else if (auto* p = m.AsUnaryOp()) {
    p->opType = static_cast<schema::UnaryOpOperation>(v);
  } else if (auto* p = m.AsBinaryOp()) {
    if (field & 1) p->opType = static_cast<schema::BinaryOpOperation>(v);
    else p->activationType = v;
  } else if (auto* p = m.AsCastParam()) {
    p->dstT = static_cast<schema::DataType>(v);
  } else if (auto* p = m.AsEltwise()) {
    if (field & 1) p->type = static_cast<schema::EltwiseType>(v);
    else setElement(r, p->coeff, r.f32());
  } else if (auto* p = m.AsReductionParam()) {
    if (field & 1) p->operation = static_cast<schema::ReductionType>(v);
    else setElement(r, p->dim, v);
  } else if (auto* p = m.AsPadParam()) {
    p->mode = static_cast<schema::PadValueMode>(v);
  } else if (auto* p = m.AsFlatten()) {
    if (field & 1) p->axis = v;
    else p->endAxis = v;
  } else if (auto* p = m.AsScale()) {
    if (field & 1) { if (!p->scaleData.empty()) p->scaleData.pop_back(); }
    else p->channels = v;
  } else if (auto* p = m.AsPRelu()) {
    if (field & 1) { if (!p->slope.empty()) p->slope.pop_back(); }
    else p->slopeCount = v;
  } else if (auto* p = m.AsRelu6()) {
    if (field & 1) p->minValue = r.f32();
    else p->maxValue = r.f32();
  } else if (auto* p = m.AsShapeParam()) {
    p->hasStart = true;
    p->start = v;
  } else if (auto* p = m.AsExpandDims()) {
    p->axis = v;
  } else if (auto* p = m.AsGather()) {
    p->axis = v;
  } else if (auto* p = m.AsInnerProduct()) {
    if (field & 1) p->outputCount = v;
    else p->axis = v;
  }
}

// Sets one field of a tensor's quant attribute (quantized models) to a boundary or raw value:
// what the int8 simulation turns into integers and fixed-point multipliers.
void editQuantInfo(Reader& r, schema::NetT& net) {
  if (net.extraTensorDescribe.empty()) return;
  auto& d = net.extraTensorDescribe[r.u8() % net.extraTensorDescribe.size()];
  if (!d || !d->quantInfo) return;
  auto& q = *d->quantInfo;
  switch (r.u8() % 5) {
    case 0: q.scale = r.f32(); break;
    case 1: q.zero = r.f32(); break;
    case 2: q.min = r.f32(); break;
    case 3: q.max = r.f32(); break;
    default: q.type = static_cast<schema::DataType>(r.i32()); break;
  }
}

void applyEdits(Reader& r, schema::NetT& net) {
  const int numTensors = static_cast<int>(net.tensorName.size());
  const int numOps = static_cast<int>(net.oplists.size());
  if (numOps == 0) return;
  int edits = 1 + r.u8() % 4;
  while (edits-- > 0 && r.more()) {
    const uint8_t kind = r.u8();
    schema::OpT& op = *net.oplists[(r.u8() << 8 | r.u8()) % numOps];
    switch (kind % 10) {
      case 0: {  // retype: to another op's type (plausible) or any value
        if (kind & 0x80) op.type = static_cast<schema::OpType>(r.u32() % (schema::OpType_MAX + 8));
        else op.type = net.oplists[(r.u8() << 8 | r.u8()) % numOps]->type;
        break;
      }
      case 1:
      case 2:
        editList(r, op.inputIndexes, numTensors);
        break;
      case 3:
        editList(r, op.outputIndexes, numTensors);
        break;
      case 4: {  // move another op's parameter table here
        const schema::OpT& other = *net.oplists[(r.u8() << 8 | r.u8()) % numOps];
        if (&other != &op) op.main = other.main;
        break;
      }
      case 5:
        op.main.Reset();
        break;
      case 6:
        op.defaultDimentionFormat = static_cast<schema::MNN_DATA_FORMAT>(r.u8() % 6);
        break;
      case 7:
      case 8:
        editParam(r, op);
        break;
      default:
        editQuantInfo(r, net);
        break;
    }
  }
}

void fillInputs(Reader& r, const Executor& ex, std::map<int, Tensor>& inputs) {
  const float scale = 1.f + static_cast<float>(r.u8() % 8) * 16.f;
  for (int t : ex.graph().inputs()) {
    Tensor v;
    v.shape = ex.shape(t);
    v.layout = ex.layout(t);
    v.dtype = ex.dtype(t);
    int64_t n = 1;
    for (int d : v.shape) n *= d;
    uint32_t seed = 2166136261u ^ static_cast<uint32_t>(t) ^ r.u32();
    auto next = [&seed] {
      seed = seed * 1664525u + 1013904223u;
      return seed;
    };
    if (v.dtype == DType::Float32) {
      v.f.resize(static_cast<size_t>(n));
      for (auto& x : v.f) x = (static_cast<float>(next() >> 8) / 16777216.f - 0.5f) * scale;
    } else {
      v.i.resize(static_cast<size_t>(n));
      for (auto& x : v.i) x = static_cast<int32_t>(next() >> 28);
    }
    inputs.emplace(t, std::move(v));
  }
}

// Elements of every tensor one forward computes, plus the weights: the deterministic cost
// proxy of an execution on this model (executor construction packs the weights, the forward
// touches every tensor).
double forwardCost(const Executor& ex, size_t bytes) {
  double n = static_cast<double>(bytes) / 4;
  for (int t = 0; t < ex.graph().numTensors(); ++t) {
    double e = 1;
    for (int d : ex.shape(t)) e *= d;
    n += e;
  }
  return n;
}

// Multiply-accumulates of the convolutions of one forward plus forwardCost(): what bounds the
// time of an execution. An edit can make a valid but enormous workload (an Input batch of 256,
// a kernel as wide as a padded row); such a forward proves nothing the plan has not already
// checked and would only hit libFuzzer's time-out.
double workOf(const Graph& graph, const Executor& ex, size_t bytes) {
  double work = forwardCost(ex, bytes);
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    const auto* conv = op.main.AsConvolution2D();
    if (!conv || !conv->common || op.inputIndexes.empty() || op.outputIndexes.empty()) continue;
    const auto& c = *conv->common;
    double out = 1, in = 1;
    for (int d : ex.shape(op.outputIndexes[0])) out *= d;
    const std::vector<int> inShape = ex.shape(op.inputIndexes[0]);
    if (inShape.size() >= 2) in = inShape[1];
    work += out * std::max(1.0, in / std::max(1, c.group)) * std::max(1, c.kernelX) * std::max(1, c.kernelY);
  }
  return work;
}

// Plans `packed` (shape inference of every tensor, kernels); throws if the model does not plan.
double planCost(const std::vector<uint8_t>& packed, size_t fileBytes) {
  Graph graph = Graph::fromNet(std::unique_ptr<schema::NetT>(schema::GetNet(packed.data())->UnPack()), "seed");
  Executor executor(graph, ExecutorOptions{});
  return forwardCost(executor, fileBytes);
}

// The model with the spatial extents of its 4-D inputs divided by 8, 4 or 2 (at least 4), the
// largest factor with which the unmodified model still plans: convolutional models run on
// 1/64 of the pixels; models whose graph fixes the input size (reshapes to anchor counts,
// fully connected heads) keep it. The edits then apply to this smaller model.
void reduceInputs(Model& m) {
  m.reduced = m.packed;
  m.factor = 1;
  for (int factor : {8, 4, 2}) {
    std::unique_ptr<schema::NetT> net(schema::GetNet(m.packed.data())->UnPack());
    bool changed = false;
    for (auto& op : net->oplists) {
      auto* in = op->main.AsInput();
      if (op->type != schema::OpType_Input || !in || in->dims.size() != 4) continue;
      // Channels last: declared NHWC, or NCHW-declared dims of a converted TF/ONNX model whose
      // last extent is a channel count (blazeface_mp [1,128,128,3], mlsd [1,320,320,4]).
      const bool nhwc = in->dformat == schema::MNN_DATA_FORMAT_NHWC || (in->dims[3] <= 4 && in->dims[1] > 4);
      for (int axis : {nhwc ? 1 : 2, nhwc ? 2 : 3}) {
        int& d = in->dims[static_cast<size_t>(axis)];
        if (d > 4) {
          d = std::max(4, d / factor);
          changed = true;
        }
      }
    }
    if (!changed) break;
    std::vector<uint8_t> packed = serializeNet(*net);
    try {
      const double cost = planCost(packed, m.bytes.size());
      m.reduced = std::move(packed);
      m.factor = factor;
      m.cost = cost;
      return;
    } catch (const std::exception& e) {
      if (gTimes) std::fprintf(stderr, "mnnq_fuzz_graph: %s with inputs / %d: %s\n", m.path.c_str(), factor, e.what());
    }
  }
  m.cost = planCost(m.packed, m.bytes.size());
}

void buildSlots() {
  const size_t n = gModels.size();
  gSlots.clear();
  for (size_t i = 0; i < n && i < 128; ++i) gSlots.push_back(static_cast<int>(i));
  if (n >= 128) return;
  double total = 0;
  for (const Model& m : gModels) total += 1 / m.cost;
  const size_t free = 128 - gSlots.size();
  // Largest remainder: each model's share of the free slots, in inverse proportion to its cost.
  std::vector<std::pair<double, int>> rest;
  for (size_t i = 0; i < n; ++i) {
    const double share = static_cast<double>(free) * (1 / gModels[i].cost) / total;
    for (int k = 0; k < static_cast<int>(share); ++k) gSlots.push_back(static_cast<int>(i));
    rest.emplace_back(share - std::floor(share), static_cast<int>(i));
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; gSlots.size() < 128; ++k) gSlots.push_back(rest[k % rest.size()].second);
}

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gTimes = std::getenv("MNNQ_FUZZ_TIMES") != nullptr;
  const char* list = std::getenv("MNNQ_FUZZ_MODELS");
  if (!list || !*list) {
    std::fprintf(stderr, "mnnq_fuzz_graph: set MNNQ_FUZZ_MODELS to ':'-separated .mnn files (fuzz/run_graph.sh does)\n");
    std::exit(2);
  }
  std::stringstream ss(list);
  std::string path;
  while (std::getline(ss, path, ':')) {
    if (path.empty()) continue;
    Model m;
    m.path = path;
    m.bytes = readFile(path);
    if (m.bytes.empty()) {
      std::fprintf(stderr, "mnnq_fuzz_graph: cannot read %s\n", path.c_str());
      std::exit(2);
    }
    try {
      Graph g = Graph::fromBuffer(m.bytes.data(), m.bytes.size(), path);
      // Unknown input extents (ppocr_cls: [1,3,-1,-1]) get concrete ones, as a config's
      // `inputs` would give them: batch 1, every other unknown extent 64.
      std::unique_ptr<schema::NetT> net(schema::GetNet(serializeNet(g.net()).data())->UnPack());
      for (auto& op : net->oplists) {
        auto* in = op->main.AsInput();
        if (op->type != schema::OpType_Input || !in) continue;
        for (size_t k = 0; k < in->dims.size(); ++k)
          if (in->dims[k] < 0) in->dims[k] = k == 0 ? 1 : 64;
      }
      m.packed = serializeNet(*net);
      {
        Graph full = Graph::fromNet(std::unique_ptr<schema::NetT>(schema::GetNet(m.packed.data())->UnPack()), "seed");
        m.full_work = workOf(full, Executor(full, ExecutorOptions{}), m.bytes.size());
      }
      reduceInputs(m);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mnnq_fuzz_graph: seed model does not run: %s\n", e.what());
      std::exit(2);
    }
    gModels.push_back(std::move(m));
  }
  buildSlots();
  std::vector<int> slotCount(gModels.size(), 0);
  for (int s : gSlots) ++slotCount[static_cast<size_t>(s)];
  for (size_t i = 0; i < gModels.size(); ++i)
    std::fprintf(stderr, "mnnq_fuzz_graph: model %zu %s: inputs / %d, cost %.3g, %d of 128 slots\n", i,
                 gModels[i].path.c_str(), gModels[i].factor, gModels[i].cost, slotCount[i]);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || gModels.empty()) return 0;
  Reader r(data, size);
  const uint8_t head = r.u8();
  const Model& model = gModels[static_cast<size_t>(gSlots[(head & 0x7f) % gSlots.size()])];
  const bool simulateInt8 = (head & 0x80) != 0;
  PhaseTimer timer;
  int reached = 0;
  // Second byte 0: the unmodified model at the fixture's own input size (the UBSan check of
  // every fixture model); otherwise the edits, applied to the reduced model.
  const bool plain = r.u8() == 0;
  std::unique_ptr<schema::NetT> net(schema::GetNet((plain ? model.packed : model.reduced).data())->UnPack());
  if (!plain) applyEdits(r, *net);
  timer.lap(0);
  try {
    Graph graph = Graph::fromNet(std::move(net), "fuzz.mnn");
    timer.lap(1);
    reached = 1;
    (void)inspectModel(graph, model.bytes.size());
    timer.lap(2);
    reached = 2;
    ExecutorOptions options;
    options.simulate_int8 = simulateInt8;
    Executor executor(graph, options);
    timer.lap(3);
    reached = 3;
    // An edited model that plans to more than twice the work of the unmodified full-size model
    // (which the seeds run) is not run: its forward would only measure the machine.
    if (!plain && workOf(graph, executor, model.bytes.size()) > 2 * model.full_work) {
      ++gSkippedForwards;
      if (gTimes) std::fprintf(stderr, "TIMES forward skipped: work above twice the model's (%zu so far)\n", gSkippedForwards);
      return 0;
    }
    std::map<int, Tensor> inputs;
    fillInputs(r, executor, inputs);
    try {
      (void)executor.run(inputs);
      reached = 5;
    } catch (const std::runtime_error& e) {
      // the executor's wrapper of kernel errors ("<source>: <op>: ...")
      if (std::string(e.what()).rfind("fuzz.mnn: ", 0) != 0) throw;
      reached = 4;
    }
    timer.lap(4);
  } catch (const ModelError&) {
  } catch (const UnsupportedOpsError&) {
  }
  if (gTimes)
    std::fprintf(stderr, "TIMES model %d int8 %d reached %d unpack %.4f load %.4f inspect %.4f executor %.4f forward %.4f\n",
                 static_cast<int>(&model - gModels.data()), simulateInt8 ? 1 : 0, reached, timer.t[0], timer.t[1],
                 timer.t[2], timer.t[3], timer.t[4]);
  return 0;
}
