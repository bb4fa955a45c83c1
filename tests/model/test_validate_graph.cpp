// Graph validation (core/model/validate_graph.cpp) and the executor's bounded shape inference:
// a regression corpus of malformed models. Each case is made in this file, either by editing a
// redistributable fixture model (ppocr_cls, blazeface_mp, mlsd) through the object API or by
// building a small net from scratch, and must be refused with a ModelError naming the op (its
// name and type) and the problem: at load (Graph::fromBuffer on the written bytes, which is what
// `mnnq inspect`, `mnnq infer`, `mnnq run` and Python's mnnq.inspect do) or, for problems that
// depend on shapes, when the executor infers them - never later, in a kernel.
#include "fixtures.hpp"
#include "model_files.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/limits.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <limits>

using namespace mnnq;

namespace {

// ---- small nets built in code ---------------------------------------------------------------

class Net {
 public:
  int tensor(const std::string& name) {
    net.tensorName.push_back(name);
    return static_cast<int>(net.tensorName.size()) - 1;
  }
  int input(std::vector<int> dims, schema::MNN_DATA_FORMAT format = schema::MNN_DATA_FORMAT_NCHW) {
    auto p = std::make_unique<schema::InputT>();
    p->dims = std::move(dims);
    p->dformat = format;
    return add("data", schema::OpType_Input, {}, schema::OpParameter_Input, p.release());
  }
  int add(const std::string& name, schema::OpType type, std::vector<int> inputs, schema::OpParameter paramType,
          void* param) {
    const int t = tensor(name);
    auto op = std::make_unique<schema::OpT>();
    op->name = name;
    op->type = type;
    op->inputIndexes = std::move(inputs);
    op->outputIndexes = {t};
    op->main.type = paramType;
    op->main.value = param;
    net.oplists.push_back(std::move(op));
    return t;
  }
  int constInts(const std::string& name, std::vector<int> values) {
    auto b = std::make_unique<schema::BlobT>();
    b->dims = {static_cast<int>(values.size())};
    b->dataType = schema::DataType_DT_INT32;
    b->int32s = std::move(values);
    return add(name, schema::OpType_Const, {}, schema::OpParameter_Blob, b.release());
  }
  int conv(const std::string& name, int in, int channels, int kernel, int pad) {
    auto c = std::make_unique<schema::Convolution2DT>();
    c->common = std::make_unique<schema::Convolution2DCommonT>();
    c->common->kernelX = c->common->kernelY = kernel;
    c->common->padX = c->common->padY = pad;
    c->common->outputCount = channels;
    c->common->group = channels;
    c->weight.assign(static_cast<size_t>(channels * kernel * kernel), 0.5f);
    c->bias.assign(static_cast<size_t>(channels), 0.f);
    return add(name, schema::OpType_ConvolutionDepthwise, {in}, schema::OpParameter_Convolution2D, c.release());
  }
  schema::OpT& op(const std::string& name) {
    for (auto& o : net.oplists)
      if (o->name == name) return *o;
    FAIL("no op " << name);
    throw std::logic_error("unreachable");
  }
  schema::NetT net;
};

std::vector<uint8_t> bytesOf(const schema::NetT& net) { return serializeNet(net); }

// Message of the ModelError loading `net` from its bytes throws; "" if it loads.
std::string loadError(const schema::NetT& net) {
  try {
    const auto bytes = bytesOf(net);  // the writer runs the structural checks too
    Graph::fromBuffer(bytes.data(), bytes.size(), "bad.mnn");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

// Message of the ModelError of loading and planning a forward; "" if both succeed.
std::string planError(const schema::NetT& net) {
  const auto bytes = bytesOf(net);
  try {
    Graph g = Graph::fromBuffer(bytes.data(), bytes.size(), "bad.mnn");
    Executor ex(g);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("validate: a well-formed small net loads and plans") {
  Net n;
  const int x = n.input({1, 2, 5, 5});
  n.conv("dw", x, 2, 3, 1);
  CHECK(planError(n.net).empty());
}

TEST_CASE("validate: ops with too few inputs are refused at load, naming op, name and type") {
  struct Case {
    schema::OpType type;
    schema::OpParameter param;
    std::function<void*()> make;
    const char* expect;
  };
  const Case cases[] = {
      {schema::OpType_Convolution, schema::OpParameter_Convolution2D,
       [] {
         auto c = new schema::Convolution2DT;
         c->common = std::make_unique<schema::Convolution2DCommonT>();
         return static_cast<void*>(c);
       },
       "(Convolution) has 0 inputs, at least 1 expected"},
      {schema::OpType_UnaryOp, schema::OpParameter_UnaryOp, [] { return static_cast<void*>(new schema::UnaryOpT); },
       "(UnaryOp) has 0 inputs, 1 expected"},
      {schema::OpType_StridedSlice, schema::OpParameter_StridedSliceParam,
       [] { return static_cast<void*>(new schema::StridedSliceParamT); }, "(StridedSlice) has 0 inputs, at least 3 expected"},
      {schema::OpType_ConvertTensor, schema::OpParameter_TensorConvertInfo,
       [] { return static_cast<void*>(new schema::TensorConvertInfoT); }, "(ConvertTensor) has 0 inputs, 1 expected"},
      {schema::OpType_Permute, schema::OpParameter_Permute, [] { return static_cast<void*>(new schema::PermuteT); },
       "(Permute) has 0 inputs, 1 expected"},
  };
  for (const auto& c : cases) {
    Net n;
    n.input({1, 2, 4, 4});
    n.add("broken", c.type, {}, c.param, c.make());
    const std::string msg = loadError(n.net);
    INFO(msg);
    CHECK(msg.find("bad.mnn: op #1 'broken' ") == 0);
    CHECK(msg.find(c.expect) != std::string::npos);
  }
  // An absent (-1) required input counts as missing.
  Net n;
  const int x = n.input({1, 2, 4, 4});
  const int a = n.add("a", schema::OpType_ReLU, {x}, schema::OpParameter_NONE, nullptr);
  auto* bin = new schema::BinaryOpT;
  n.add("sum", schema::OpType_BinaryOp, {a, -1}, schema::OpParameter_BinaryOp, bin);
  CHECK_THAT(loadError(n.net), Catch::Contains("op #2 'sum' (BinaryOp) lacks its required input #1"));
}

TEST_CASE("validate: parameter ranges, enums and permutations") {
  auto depthwise = [](int pad) {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    n.conv("dw", x, 2, 3, pad);
    return loadError(n.net);
  };
  CHECK(depthwise(limits::kMaxPad).empty());
  CHECK_THAT(depthwise(65535), Catch::Contains("op #1 'dw' (ConvolutionDepthwise) padX = 65535 is out of range [0, 1024]"));
  CHECK_THAT(depthwise(std::numeric_limits<int>::max()), Catch::Contains("padX = 2147483647 is out of range"));
  CHECK_THAT(depthwise(-1), Catch::Contains("padX = -1 is out of range"));

  {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    n.conv("dw", x, 2, 3, 0);
    n.op("dw").main.AsConvolution2D()->common->strideY = 0;
    CHECK_THAT(loadError(n.net), Catch::Contains("strideY = 0 is out of range [1, 1024]"));
  }
  {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    auto p = new schema::PermuteT;
    p->dims = {0, -1, 2, 3};
    n.add("perm", schema::OpType_Permute, {x}, schema::OpParameter_Permute, p);
    CHECK_THAT(loadError(n.net), Catch::Contains("op #1 'perm' (Permute) dims = -1 is out of range [0, 3]"));
    p->dims = {0, 1, 1, 3};
    CHECK_THAT(loadError(n.net), Catch::Contains("dims repeats axis 1 (not a permutation)"));
    p->dims = {0, 2, 3, 1};
    CHECK(planError(n.net).empty());
  }
  {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    auto c = new schema::TensorConvertInfoT;
    c->dest = static_cast<schema::MNN_DATA_FORMAT>(7);
    n.add("convert", schema::OpType_ConvertTensor, {x}, schema::OpParameter_TensorConvertInfo, c);
    CHECK_THAT(loadError(n.net), Catch::Contains("op #1 'convert' (ConvertTensor) dest = 7 is not a known value"));
  }
  {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    auto u = new schema::UnaryOpT;
    u->opType = static_cast<schema::UnaryOpOperation>(1000);
    n.add("unary", schema::OpType_UnaryOp, {x}, schema::OpParameter_UnaryOp, u);
    CHECK_THAT(loadError(n.net), Catch::Contains("opType = 1000 is not a known value"));
  }
  {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    auto i = new schema::InterpT;
    i->resizeType = 2;
    i->widthScale = std::numeric_limits<float>::quiet_NaN();
    i->heightScale = 2.f;
    n.add("resize", schema::OpType_Interp, {x}, schema::OpParameter_Interp, i);
    CHECK_THAT(loadError(n.net), Catch::Contains("op #1 'resize' (Interp) widthScale = nan is out of range"));
    i->widthScale = 1e30f;
    CHECK_THAT(loadError(n.net), Catch::Contains("widthScale = 1e+30 is out of range"));
    i->widthScale = 2.f;
    CHECK(planError(n.net).empty());
  }
}

TEST_CASE("validate: retyped ops keep their old parameter table and are refused") {
  Net n;
  const int x = n.input({1, 2, 5, 5});
  n.conv("dw", x, 2, 3, 1);
  n.op("dw").type = schema::OpType_Pooling;
  CHECK_THAT(loadError(n.net),
             Catch::Contains("op #1 'dw' (Pooling) has a Convolution2D parameter table, Pool expected"));
  n.op("dw").type = schema::OpType_Permute;
  CHECK_THAT(loadError(n.net), Catch::Contains("(Permute) has a Convolution2D parameter table, Permute expected"));
}

TEST_CASE("validate: float-only ops reading an int32 tensor are refused while planning") {
  // Found by fuzz/run_graph.sh: a Softmax whose input index was redirected to a shape tensor
  // reached its kernel, which read float data the int32 tensor does not have.
  auto softmax = [](schema::NetT& net, int in) {
    auto p = std::make_unique<schema::AxisT>();
    p->axis = 0;
    auto op = std::make_unique<schema::OpT>();
    op->name = "probs";
    op->type = schema::OpType_Softmax;
    net.tensorName.push_back("probs");
    op->inputIndexes = {in};
    op->outputIndexes = {static_cast<int>(net.tensorName.size()) - 1};
    op->main.type = schema::OpParameter_Axis;
    op->main.value = p.release();
    net.oplists.push_back(std::move(op));
  };
  SECTION("on a float tensor it plans") {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    softmax(n.net, n.conv("dw", x, 2, 3, 1));
    CHECK(planError(n.net).empty());
  }
  SECTION("on an int32 tensor it is refused, naming op, input and tensor") {
    Net n;
    n.input({1, 2, 5, 5});
    softmax(n.net, n.constInts("dims", {1, 2, 5, 5}));
    const std::string msg = planError(n.net);
    INFO(msg);
    CHECK(msg.find("Softmax 'probs'") != std::string::npos);
    CHECK(msg.find("input 0 ('dims') holds integers") != std::string::npos);
  }
  SECTION("a convolution's data input likewise") {
    Net n;
    n.input({1, 2, 5, 5});
    const int dims = n.constInts("dims", {1, 2, 5, 5});
    n.conv("dw", dims, 2, 3, 1);
    CHECK(planError(n.net).find("ConvolutionDepthwise 'dw': input 0 ('dims') holds integers") != std::string::npos);
  }
}

TEST_CASE("validate: Flatten axes are checked against the input's own rank while planning") {
  // Found by fuzz/run_graph.sh (UBSan: vector index -1): validation bounds axes by the largest
  // rank (8), so axis -3 passed it and reached shape inference of a rank-2 tensor.
  auto flatten = [](int axis, int endAxis) {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    const int r = n.add("reshape", schema::OpType_Reshape, {x}, schema::OpParameter_Reshape, [] {
      auto p = std::make_unique<schema::ReshapeT>();
      p->dims = {2, 25};
      return p.release();
    }());
    auto p = std::make_unique<schema::FlattenT>();
    p->axis = axis;
    p->endAxis = endAxis;
    n.add("flat", schema::OpType_Flatten, {r}, schema::OpParameter_Flatten, p.release());
    return planError(n.net);
  };
  CHECK(flatten(1, 0).empty());
  CHECK(flatten(0, 1).empty());
  CHECK(flatten(-1, 0).empty());
  CHECK_THAT(flatten(-3, 0), Catch::Contains("Flatten 'flat': Flatten axis out of range for a rank-2 input"));
  CHECK_THAT(flatten(3, 0), Catch::Contains("Flatten axis out of range for a rank-2 input"));
  CHECK_THAT(flatten(1, 2), Catch::Contains("Flatten endAxis out of range for a rank-2 input"));
  CHECK_THAT(flatten(1, -3), Catch::Contains("Flatten endAxis out of range"));
}

TEST_CASE("validate: a Reshape target from a shape tensor is bounded before its element count is computed") {
  // Found by fuzz/run_graph.sh (UBSan: signed overflow 2^48 * 2^24 in the Reshape target's
  // product). Validation bounds a `dims` parameter; a target read from a constant shape tensor
  // is known only while planning, so its extents are checked there, then the running product.
  auto reshape = [](std::vector<int> target) {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    const int shape = n.constInts("shape", std::move(target));
    auto p = std::make_unique<schema::ReshapeT>();
    n.add("r", schema::OpType_Reshape, {x, shape}, schema::OpParameter_Reshape, p.release());
    return planError(n.net);
  };
  CHECK(reshape({2, 25}).empty());
  CHECK(reshape({-1, 5}).empty());
  const int big = limits::kMaxDim;
  CHECK_THAT(reshape({big, big, big, big}), Catch::Contains("Reshape 'r': Reshape target has more than 268435456 elements"));
  CHECK_THAT(reshape({2, big + 1}), Catch::Contains("Reshape target extent 16777217 is out of range"));
  CHECK_THAT(reshape({-7, 50}), Catch::Contains("Reshape target extent -7 is out of range"));
}

TEST_CASE("validate: StridedSlice index tensors are checked against each other while planning") {
  // Found by fuzz/run_graph.sh (UBSan: a read past the end of the end-index list): begin, end
  // and strides come from constant tensors, known only while planning.
  auto slice = [](std::vector<int> begin, std::vector<int> end, std::vector<int> strides, int ellipsis = 0) {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    std::vector<int> in{x, n.constInts("begin", std::move(begin)), n.constInts("end", std::move(end)),
                        n.constInts("strides", std::move(strides))};
    auto p = std::make_unique<schema::StridedSliceParamT>();
    p->ellipsisMask = ellipsis;
    n.add("s", schema::OpType_StridedSlice, in, schema::OpParameter_StridedSliceParam, p.release());
    return planError(n.net);
  };
  CHECK(slice({0, 0, 1, 1}, {1, 2, 4, 4}, {1, 1, 1, 1}).empty());
  CHECK(slice({0, 0, 4, 4}, {1, 2, 0, 0}, {1, 1, -1, -1}).empty());
  CHECK_THAT(slice({0, 0, 1, 1}, {1}, {1, 1, 1, 1}), Catch::Contains("StridedSlice 's': StridedSlice begin, end and strides differ in length"));
  CHECK_THAT(slice({0, 0, 1, 1}, {1, 2, 4, 4}, {1, 1}), Catch::Contains("differ in length"));
  CHECK_THAT(slice({0, 0, 1, 1}, {1, 2, 4, 4}, {1, 1, 0, 1}), Catch::Contains("StridedSlice stride 0"));
  CHECK_THAT(slice({0, 0, 1, 1}, {1, 2, 4, 4}, {1, 1, std::numeric_limits<int>::min(), 1}),
             Catch::Contains("StridedSlice stride -2147483648"));
  CHECK_THAT(slice({0, 0}, {1, 2}, {1, 1}, 1 << 5), Catch::Contains("ellipsis outside its begin values"));
  CHECK(slice({std::numeric_limits<int>::min(), 0, 0, 0}, {1, 2, 5, 5}, {1, 1, 1, 1}).empty());
}

TEST_CASE("validate: convolution parameter products are computed without overflow") {
  // Found by fuzz/run_graph.sh (UBSan: 128 * 16777216 in a Convolution's inputCount * group).
  // Validation bounds inputCount, group, strides and extents one by one (2^24, 1024), not
  // their products, so the executor computes those in 64 bits.
  {
    Net n;
    const int x = n.input({1, 128, 5, 5});
    const int y = n.conv("c", x, 128, 1, 0);
    n.op("c").type = schema::OpType_Convolution;
    n.op("c").main.AsConvolution2D()->common->inputCount = limits::kMaxDim;
    (void)y;
    CHECK(planError(n.net).empty());  // group 128 kept: 2^24 * 128 is not the channel count
  }
  {
    // Deconvolution: (2^24 - 1) * stride 1024 + 1 overflows an int; the extent is refused.
    Net n;
    const int x = n.input({1, 1, 1, limits::kMaxDim});
    auto c = std::make_unique<schema::Convolution2DT>();
    c->common = std::make_unique<schema::Convolution2DCommonT>();
    c->common->kernelX = c->common->kernelY = 1;
    c->common->strideX = 1024;
    c->common->outputCount = 1;
    c->weight = {1.f};
    c->bias = {0.f};
    n.add("deconv", schema::OpType_Deconvolution, {x}, schema::OpParameter_Convolution2D, c.release());
    CHECK_THAT(planError(n.net), Catch::Contains("deconvolution output extent 1x17179868161 is out of range"));
  }
}

TEST_CASE("validate: tensor quant attributes are finite and within an int8 tensor's range") {
  // The int8 simulation turns scale, zero, min and max into integers and fixed-point multipliers;
  // a NaN scale or a zero point of 1e9 would reach those conversions (undefined in C++).
  auto withQuant = [](float scale, float zero, float min, float max) {
    Net n;
    const int x = n.input({1, 2, 5, 5});
    auto p = std::make_unique<schema::ReluT>();
    n.add("relu", schema::OpType_ReLU, {x}, schema::OpParameter_Relu, p.release());
    auto d = std::make_unique<schema::TensorDescribeT>();
    d->index = x;
    d->quantInfo = std::make_unique<schema::TensorQuantInfoT>();
    d->quantInfo->scale = scale;
    d->quantInfo->zero = zero;
    d->quantInfo->min = min;
    d->quantInfo->max = max;
    d->quantInfo->type = schema::DataType_DT_INT8;
    n.net.extraTensorDescribe.push_back(std::move(d));
    return loadError(n.net);
  };
  CHECK(withQuant(0.02f, 0.f, -127.f, 127.f).empty());
  CHECK(withQuant(0.f, -128.f, -128.f, 127.f).empty());
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  CHECK_THAT(withQuant(nan, 0.f, -127.f, 127.f), Catch::Contains("extraTensorDescribe #0 quantInfo.scale = nan"));
  CHECK_THAT(withQuant(inf, 0.f, -127.f, 127.f), Catch::Contains("quantInfo.scale = inf: must be finite and >= 0"));
  CHECK_THAT(withQuant(-1.f, 0.f, -127.f, 127.f), Catch::Contains("quantInfo.scale = -1"));
  CHECK_THAT(withQuant(0.02f, 1e9f, -127.f, 127.f), Catch::Contains("quantInfo.zero = 1e+09: must be finite, in [-128, 127]"));
  CHECK_THAT(withQuant(0.02f, 0.f, -inf, 127.f), Catch::Contains("quantInfo.min = -inf"));
  CHECK_THAT(withQuant(0.02f, 0.f, -127.f, nan), Catch::Contains("quantInfo.max = nan"));
  CHECK_THAT(withQuant(0.02f, 0.f, 127.f, -127.f), Catch::Contains("quantInfo.min = 127: is greater than max"));
}

TEST_CASE("validate: declared and inferred sizes are bounded before allocation") {
  {
    Net n;
    n.input({1, 3, 65535, 65535});
    CHECK_THAT(loadError(n.net), Catch::Contains("op #0 'data' (Input) dims declares more than 268435456 elements"));
  }
  {
    Net n;
    n.input({1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK_THAT(loadError(n.net), Catch::Contains("dims has 9 entries, at most 8 expected"));
  }
  {
    // Padding by a constant: the amounts are only known to the executor's shape inference.
    Net n;
    const int x = n.input({1, 2, 5, 5});
    const int pads = n.constInts("pads", {0, 0, 0, 0, 1, std::numeric_limits<int>::max(), 1, 1});
    n.add("pad", schema::OpType_Padding, {x, pads}, schema::OpParameter_NONE, nullptr);
    CHECK(loadError(n.net).empty());
    CHECK_THAT(planError(n.net), Catch::Contains("Padding 'pad': padding amounts 1, 2147483647 of dimension 2"));
    n.net.oplists[1]->main.AsBlob()->int32s = {0, 0, 0, 0, 1, 16000, 1, 16000};
    CHECK_THAT(planError(n.net), Catch::Contains("tensor 'pad' would have shape [1,2,16006,16006]: more than "
                                                 "268435456 elements (the limit per tensor)"));
    n.net.oplists[1]->main.AsBlob()->int32s = {0, 0, 0, 0, 1, 2, 3, 4};
    CHECK(planError(n.net).empty());
  }
  {
    // A large but legal pad with a stride that keeps the output small still fits.
    Net n;
    const int x = n.input({1, 2, 5, 5});
    n.conv("dw", x, 2, 3, 1000);
    n.op("dw").main.AsConvolution2D()->common->strideX = 1000;
    n.op("dw").main.AsConvolution2D()->common->strideY = 1000;
    CHECK(planError(n.net).empty());
  }
}

// ---- edits of the redistributable fixture models ---------------------------------------------

namespace {

std::unique_ptr<schema::NetT> fixtureNet(const std::string& relative) {
  const auto bytes = test::readFileBytes(test::fixture(relative));
  Graph g = Graph::fromBuffer(bytes.data(), bytes.size(), relative);
  const auto packed = serializeNet(g.net());
  return std::unique_ptr<schema::NetT>(schema::GetNet(packed.data())->UnPack());
}

schema::OpT* firstOp(schema::NetT& net, schema::OpType type, int skip = 0) {
  for (auto& op : net.oplists)
    if (op->type == type && skip-- == 0) return op.get();
  return nullptr;
}

const char* kRedistributable[] = {"models/ppocr_v4/ppocr_cls.mnn", "models/blazeface_mediapipe/blazeface_mp_onnx.mnn",
                                  "models/mlsd/mlsd_tiny.mnn"};

}  // namespace

TEST_CASE("validate corpus: edits of the redistributable fixtures are refused naming the op") {
  MNNQ_REQUIRE_FIXTURES();
  struct Edit {
    const char* what;
    std::function<schema::OpT*(schema::NetT&)> apply;  // returns the edited op, null if the model has none
    const char* expect;                                // message part after the op's description
  };
  const std::vector<Edit> edits = {
      {"convolution without inputs",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_Convolution);
         if (op) op->inputIndexes.clear();
         return op;
       },
       "has 0 inputs, at least 1 expected"},
      {"depthwise convolution without inputs",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_ConvolutionDepthwise);
         if (op) op->inputIndexes.clear();
         return op;
       },
       "has 0 inputs, at least 1 expected"},
      {"depthwise pad 65535",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_ConvolutionDepthwise);
         if (op) {
           auto& c = *op->main.AsConvolution2D()->common;
           c.padX = 65535;
           c.pads.clear();
         }
         return op;
       },
       "padX = 65535 is out of range"},
      {"convolution pads 2^31-1",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_Convolution);
         if (op) op->main.AsConvolution2D()->common->pads = {std::numeric_limits<int>::max(), 0, 0, 0};
         return op;
       },
       "pads = 2147483647 is out of range"},
      {"convolution retyped to pooling",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_Convolution);
         if (op) op->type = schema::OpType_Pooling;
         return op;
       },
       "has a Convolution2D parameter table, Pool expected"},
      {"binary op retyped to convolution",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_BinaryOp);
         if (op) op->type = schema::OpType_Convolution;
         return op;
       },
       "has a BinaryOp parameter table, Convolution2D expected"},
      {"binary op with one input",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_BinaryOp);
         if (op) op->inputIndexes.resize(1);
         return op;
       },
       "has 1 input, 2 expected"},
      {"concat axis 99",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_Concat);
         if (op && op->main.AsAxis()) op->main.AsAxis()->axis = 99;
         return op && op->main.AsAxis() ? op : nullptr;
       },
       "axis = 99 is out of range [-8, 7]"},
      {"pooling kernel 0",
       [](schema::NetT& n) {
         for (auto& op : n.oplists)
           if (op->type == schema::OpType_Pooling && !op->main.AsPool()->isGlobal) {
             op->main.AsPool()->kernelX = 0;
             return op.get();
           }
         return static_cast<schema::OpT*>(nullptr);
       },
       "kernelX = 0 is out of range [1, 1024]"},
      {"input op with an input",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_Input);
         if (op) op->inputIndexes = {0};
         return op;
       },
       nullptr},  // graph_checks reports the read-before-produced tensor; any ModelError naming the op
      {"unary op enum out of range",
       [](schema::NetT& n) {
         auto* op = firstOp(n, schema::OpType_UnaryOp);
         if (op) op->main.AsUnaryOp()->opType = static_cast<schema::UnaryOpOperation>(-5);
         return op;
       },
       "opType = -5 is not a known value"},
  };
  int refused = 0;
  for (const char* model : kRedistributable) {
    for (const auto& edit : edits) {
      auto net = fixtureNet(model);
      schema::OpT* op = edit.apply(*net);
      if (!op) continue;
      const std::string name = op->name;
      const std::string type = schema::EnumNameOpType(op->type);
      const std::string msg = loadError(*net);
      INFO(model << ": " << edit.what << ": " << msg);
      REQUIRE(!msg.empty());
      CHECK(msg.find("'" + name + "' (" + type + ")") != std::string::npos);
      if (edit.expect) CHECK(msg.find(edit.expect) != std::string::npos);
      ++refused;
    }
  }
  // Every edit applies to at least one of the three models (counted so a renamed op type in a
  // fixture cannot silently empty the corpus).
  CHECK(refused >= static_cast<int>(edits.size()));
}

TEST_CASE("validate: every fixture model passes validation and plans a forward") {
  MNNQ_REQUIRE_FIXTURES();
  const auto floats = test::floatFixtureModels();
  auto models = floats;
  const auto quantized = test::quantizedFixtureModels();
  models.insert(models.end(), quantized.begin(), quantized.end());
  REQUIRE(floats.size() >= 7);
  for (const auto& path : models) {
    INFO(path);
    Graph g = Graph::load(path);
    ExecutorOptions options;
    options.simulate_int8 = path.find("mnn_quantized") != std::string::npos;
    // ppocr_cls declares a dynamic batch; every other input is fully known.
    for (int t : g.inputs()) {
      const auto& dims = g.op(g.producer(t)).main.AsInput()->dims;
      std::vector<int> shape = dims;
      for (int& d : shape)
        if (d < 0) d = 1;
      options.input_shapes[g.tensorName(t)] = shape;
    }
    CHECK_NOTHROW(Executor(g, options));
  }
}
