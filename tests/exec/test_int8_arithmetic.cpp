// The int8 simulation's arithmetic on one-op nets against hand-derived values: the places where
// MNN's x86 int8 kernels differ from a plain "dequantize, compute, requantize" (the kernels
// were also checked bit-exact against MNN 3.6.1 on larger synthetic nets during development).
#include "mnnq/core/executor.hpp"
#include "mnnq/core/idst_codec.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace mnnq;
using namespace mnnq::schema;

namespace {

std::unique_ptr<TensorDescribeT> quantInfo(int tensor, float scale, float zero) {
  auto d = std::make_unique<TensorDescribeT>();
  d->index = tensor;
  d->quantInfo = std::make_unique<TensorQuantInfoT>();
  d->quantInfo->scale = scale;
  d->quantInfo->zero = zero;
  d->quantInfo->min = -127;
  d->quantInfo->max = 127;
  d->quantInfo->type = DataType_DT_INT8;
  return d;
}

// Net: inputs (NC4HW4, given dims) -> one op -> output tensor named "out".
struct OneOpNet {
  std::unique_ptr<NetT> net = std::make_unique<NetT>();
  explicit OneOpNet(const std::vector<std::vector<int>>& inputDims) {
    for (size_t k = 0; k < inputDims.size(); ++k) {
      auto op = std::make_unique<OpT>();
      op->name = "in" + std::to_string(k);
      op->type = OpType_Input;
      op->outputIndexes = {static_cast<int>(k)};
      InputT in;
      in.dims = inputDims[k];
      in.dformat = MNN_DATA_FORMAT_NC4HW4;
      op->main.Set(in);
      net->oplists.push_back(std::move(op));
      net->tensorName.push_back("in" + std::to_string(k));
    }
    net->tensorName.push_back("out");
    net->outputName = {"out"};
  }
  int out() const { return static_cast<int>(net->tensorName.size()) - 1; }
  template <typename P>
  void op(OpType type, P param) {
    auto op = std::make_unique<OpT>();
    op->name = "op";
    op->type = type;
    for (int k = 0; k < out(); ++k) op->inputIndexes.push_back(k);
    op->outputIndexes = {out()};
    op->main.Set(std::move(param));
    net->oplists.push_back(std::move(op));
  }
  std::vector<float> run(const std::vector<std::vector<float>>& values) {
    Graph g = Graph::fromNet(std::move(net), "one-op net");
    ExecutorOptions opt;
    opt.simulate_int8 = true;
    Executor ex(g, opt);
    std::map<int, Tensor> inputs;
    for (size_t k = 0; k < values.size(); ++k) {
      Tensor t;
      t.shape = ex.shape(static_cast<int>(k));
      t.layout = Layout::NC4HW4;
      t.f = values[k];
      inputs[static_cast<int>(k)] = t;
    }
    return ex.run(inputs).at(g.findTensor("out")).f;
  }
};

}  // namespace

TEST_CASE("int8 max pooling compares the stored bytes q+128 as signed values") {
  // q = -3 is stored as 125, q = 5 as 133 = -123 signed: the "maximum" is -3.
  OneOpNet n({{1, 1, 1, 2}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f, 0.f));
  PoolT p;
  p.type = PoolType_MAXPOOL;
  p.kernelX = 2;
  p.kernelY = 1;
  p.strideX = 2;
  p.strideY = 1;
  n.op(OpType_Pooling, p);
  const auto y = n.run({{-3.f, 5.f}});
  REQUIRE(y.size() == 1);
  CHECK(y[0] == -3.f);
}

TEST_CASE("int8 average pooling floors (sum of q+128) * (2^24/count) >> 24") {
  // q = 0, 0, -1: (128+128+127) * 5592405 >> 24 = 127 -> q = -1 (a rounded mean would give 0).
  OneOpNet n({{1, 1, 1, 3}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f, 0.f));
  PoolT p;
  p.type = PoolType_AVEPOOL;
  p.kernelX = 3;
  p.kernelY = 1;
  p.strideX = 3;
  p.strideY = 1;
  n.op(OpType_Pooling, p);
  const auto y = n.run({{0.f, 0.f, -1.f}});
  REQUIRE(y.size() == 1);
  CHECK(y[0] == -1.f);
}

TEST_CASE("int8 BinaryOp MAXIMUM returns the 16.16 fixed-point value without the output scale") {
  // x = 2 (scale 0.5, q 4), y = -1 (scale 0.25, q -4): max(4*32768, -4*16384) = 131072;
  // (131072 + 32768) / 65536 = 2 -> q 2, read with the output scale 0.1 -> 0.2.
  OneOpNet n({{1, 1, 1, 1}, {1, 1, 1, 1}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 0.5f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 0.25f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(2, 0.1f, 0.f));
  BinaryOpT b;
  b.opType = BinaryOpOperation_MAXIMUM;
  n.op(OpType_BinaryOp, b);
  const auto y = n.run({{2.f}, {-1.f}});
  REQUIRE(y.size() == 1);
  CHECK(y[0] == Approx(0.2f));
}

TEST_CASE("int8 simulation: NaN and overflowing float data convert as MNN's x86 kernels do") {
  // Found by fuzz/run_graph.sh (UBSan: inf converted to int while re-quantising a BinaryOp sum).
  SECTION("FloatToInt8 clamps NaN to max, as minps(x, max) does") {
    // NaN + 0: the NaN input is read as q = 127 (1.0 at scale 1/127); the sum re-quantises to 127.
    OneOpNet n({{1, 1, 1, 1}, {1, 1, 1, 1}});
    n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f / 127, 0.f));
    n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f / 127, 0.f));
    n.net->extraTensorDescribe.push_back(quantInfo(2, 1.f / 127, 0.f));
    BinaryOpT b;
    b.opType = BinaryOpOperation_ADD;
    n.op(OpType_BinaryOp, b);
    const auto y = n.run({{std::numeric_limits<float>::quiet_NaN()}, {0.f}});
    REQUIRE(y.size() == 1);
    CHECK(y[0] == Approx(1.f));
  }
  SECTION("an inf sum truncates to the integer indefinite and wraps with the zero point") {
    // 100 + 100 = 200, divided by the output scale 1e-37: inf. roundf(inf) -> INT32_MIN
    // (cvttss2si), + zero -1 wraps to INT32_MAX, clamped to max 127: q = 127, read back as
    // (127 - (-1)) * 1e-37.
    OneOpNet n({{1, 1, 1, 1}, {1, 1, 1, 1}});
    n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
    n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f, 0.f));
    n.net->extraTensorDescribe.push_back(quantInfo(2, 1e-37f, -1.f));
    BinaryOpT b;
    b.opType = BinaryOpOperation_ADD;
    n.op(OpType_BinaryOp, b);
    const auto y = n.run({{100.f}, {100.f}});
    REQUIRE(y.size() == 1);
    CHECK(y[0] == Approx(128e-37f).epsilon(1e-6));
  }
}

TEST_CASE("int8 convolution: SAME padding that comes out negative skips input columns, as MNN's does") {
  // Found by fuzz/run_graph.sh (UBSan: a pointer before the padded plane). MNN's
  // ConvolutionCommon::convolutionPad gives ((out - 1) * stride + k - in) / 2, negative for a
  // 1x1 kernel of stride 4 on 11 columns: (2 * 4 + 1 - 11) / 2 = -1. Output column ox then
  // reads input column ox * 4 + 1: 1, 5, 9.
  OneOpNet n({{1, 1, 1, 11}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f, 0.f));
  Convolution2DT c;
  c.common = std::make_unique<Convolution2DCommonT>();
  c.common->kernelX = c.common->kernelY = 1;
  c.common->strideX = 4;
  c.common->padMode = PadMode_SAME;
  c.common->outputCount = 1;
  c.common->inputCount = 1;
  c.quanParameter = std::make_unique<IDSTQuanT>();
  const int8_t one = 1;
  const IdstEncoded coded = encodeIdstDense(&one, 1, 1, 8);
  c.quanParameter->buffer = coded.buffer;
  c.quanParameter->type = coded.type;
  c.quanParameter->alpha = {1.f};
  c.quanParameter->quantScale = 1.f;
  c.bias = {0.f};
  n.op(OpType_Convolution, std::move(c));
  const auto y = n.run({{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}});
  CHECK(y == std::vector<float>{1, 5, 9});
}

TEST_CASE("int8 PReLU rounds after adding the output zero point and the byte offset") {
  // x = -6, slope 0.5 -> -3; / scale 2 -> -1.5; + zero 3 + 128 = 129.5 -> 130 -> q 2;
  // (2 - 3) * 2 = -2 (rounding before adding the zero would give q 1, -4).
  OneOpNet n({{1, 1, 1, 1}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 2.f, 3.f));
  PReluT p;
  p.slopeCount = 1;
  p.slope = {0.5f};
  n.op(OpType_PReLU, p);
  const auto y = n.run({{-6.f}});
  REQUIRE(y.size() == 1);
  CHECK(y[0] == -2.f);
}

TEST_CASE("int8 Scale uses a 15-bit fixed-point multiplier and bias") {
  // a = 0.3, b = 0.1, input scale 0.5, output scale 0.2: mul = round(0.3 * 0.5 / 0.2 * 2^15)
  // = 24576, add = round(0.1 / 0.2 * 2^15) = 16384; val = q * mul + add, then
  // (val +- 2^14) / 2^15 truncated:
  //   x = 3 (q 6):  163840 -> 180224 / 32768 = 5.5 -> 5 -> 1.0
  //   x = 1 (q 2):  65536 -> 81920 / 32768 = 2.5 -> 2 -> 0.4
  //   x = -1 (q -2): -32768 -> -49152 / 32768 = -1.5 -> -1 -> -0.2
  OneOpNet n({{1, 1, 1, 3}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 0.5f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 0.2f, 0.f));
  ScaleT s;
  s.channels = 1;
  s.scaleData = {0.3f};
  s.biasData = {0.1f};
  n.op(OpType_Scale, s);
  const auto y = n.run({{3.f, 1.f, -1.f}});
  REQUIRE(y.size() == 3);
  CHECK(y[0] == Approx(1.0f));
  CHECK(y[1] == Approx(0.4f));
  CHECK(y[2] == Approx(-0.2f));
}

TEST_CASE("int8 Scale: a multiplier beyond 32 bits wraps as MNN's int32 arithmetic does") {
  // mul = round(65536 * 1 / 1 * 2^15) = 2^31 does not fit: cvttss2si gives INT32_MIN. For q = 1,
  // val = INT32_MIN; val - 2^14 wraps to 2147467264, / 2^15 = 65535, clamped to 127.
  // For q = 0, val = 0 -> 0.
  OneOpNet n({{1, 1, 1, 2}});
  n.net->extraTensorDescribe.push_back(quantInfo(0, 1.f, 0.f));
  n.net->extraTensorDescribe.push_back(quantInfo(1, 1.f, 0.f));
  ScaleT s;
  s.channels = 1;
  s.scaleData = {65536.f};
  n.op(OpType_Scale, s);
  const auto y = n.run({{1.f, 0.f}});
  REQUIRE(y.size() == 2);
  CHECK(y[0] == 127.f);
  CHECK(y[1] == 0.f);
}

TEST_CASE("int8 simulation: Normalize with an int8 output attribute writes the int8 values") {
  // MNN lowers Normalize to float commands whose result reaches the output through a Raster,
  // which runs in int8 when the output has an int8 attribute: even a float reader (a skipped
  // convolution, the caller) sees the quantised values. x = (3, 4) over two channels: L2
  // normalised (0.6, 0.8), channel scales (1, 50): (0.6, 40); scale 0.25: q = round(2.4) = 2
  // -> 0.5, and 160 clamps to 127 -> 31.75 (float would give 0.6 and 40). MNN 3.6.1 returns
  // (0.5, 31.75) for this net.
  OneOpNet n({{1, 2, 1, 1}});
  n.net->extraTensorDescribe.push_back(quantInfo(1, 0.25f, 0.f));
  NormalizeT p;
  p.acrossSpatial = 0;
  p.channelShared = 0;
  p.eps = 1e-10f;
  p.scale = {1.f, 50.f};
  n.op(OpType_Normalize, p);
  const auto y = n.run({{3.f, 4.f}});
  REQUIRE(y.size() == 2);
  CHECK(y[0] == 0.5f);
  CHECK(y[1] == 31.75f);
}

namespace {

// x [1,1,2,2] -> PriorBox p1 (min size 4), PriorBox p2 (min size 16) -> Concat on axis 2 -> out,
// with an int8 attribute (scale 1/256, [-127,127]) on every tensor, as quantized.out writes for
// an SSD head whose priors are concatenated (the Concat output gets one).
std::unique_ptr<NetT> priorBoxConcatNet() {
  auto net = std::make_unique<NetT>();
  net->tensorName = {"x", "p1", "p2", "out"};
  net->outputName = {"out"};
  auto input = std::make_unique<OpT>();
  input->name = "x";
  input->type = OpType_Input;
  input->outputIndexes = {0};
  InputT in;
  in.dims = {1, 1, 2, 2};
  in.dformat = MNN_DATA_FORMAT_NC4HW4;
  input->main.Set(in);
  net->oplists.push_back(std::move(input));
  for (int k = 0; k < 2; ++k) {
    auto op = std::make_unique<OpT>();
    op->name = k == 0 ? "p1" : "p2";
    op->type = OpType_PriorBox;
    op->inputIndexes = {0};
    op->outputIndexes = {1 + k};
    PriorBoxT p;
    p.minSizes = {k == 0 ? 4.f : 16.f};
    p.variances = {0.1f, 0.1f, 0.2f, 0.2f};
    p.imageWidth = 8;
    p.imageHeight = 8;
    p.offset = 0.5f;
    op->main.Set(p);
    net->oplists.push_back(std::move(op));
  }
  auto cat = std::make_unique<OpT>();
  cat->name = "cat";
  cat->type = OpType_Concat;
  cat->inputIndexes = {1, 2};
  cat->outputIndexes = {3};
  AxisT axis;
  axis.axis = 2;
  cat->main.Set(axis);
  net->oplists.push_back(std::move(cat));
  for (int t = 0; t < 4; ++t) net->extraTensorDescribe.push_back(quantInfo(t, 1.f / 256, 0.f));
  return net;
}

}  // namespace

TEST_CASE("int8 simulation: PriorBox outputs are constants, so their Concat stays float") {
  // MNN folds PriorBox (it reads only its inputs' shapes) and everything computed from constants
  // alone at load time, in float: the Concat's int8 attribute is never used. Quantizing the
  // Raster would clip the boxes to 127/256 and round the variances to 26/256 (an SSD face
  // detector's DetectionOutput then kept the wrong boxes: cosine 0.74-0.90 against MNN's int8).
  // MNN 3.6.1 returns exactly these values for this net (saved with saveNet, run by its Session).
  Graph g = Graph::fromNet(priorBoxConcatNet(), "priorbox concat net");
  ExecutorOptions opt;
  opt.simulate_int8 = true;
  Executor ex(g, opt);
  CHECK(ex.isConstant(g.findTensor("out")));
  Tensor x;
  x.shape = ex.shape(0);
  x.layout = Layout::NC4HW4;
  x.f = {1.f, -2.f, 3.f, -4.f};
  const Tensor out = ex.run({{0, x}}).at(g.findTensor("out"));
  REQUIRE(out.shape == std::vector<int>{1, 2, 32, 1});
  // Feature 2x2, image 8x8: step 4, centres (2 + 4j, 2 + 4i); box = (c -/+ size/2) / 8.
  const std::vector<float> boxes = {
      0.f,    0.f,    0.5f,  0.5f,  0.5f,   0.f,    1.f,   0.5f,  0.f,    0.5f,   0.5f,  1.f,  0.5f,   0.5f,   1.f,   1.f,
      -0.75f, -0.75f, 1.25f, 1.25f, -0.25f, -0.75f, 1.75f, 1.25f, -0.75f, -0.25f, 1.25f, 1.75f, -0.25f, -0.25f, 1.75f, 1.75f};
  for (size_t k = 0; k < boxes.size(); ++k) {
    INFO("box coordinate " << k);
    CHECK(out.f[k] == boxes[k]);
    CHECK(out.f[32 + k] == (k % 4 < 2 ? 0.1f : 0.2f));
  }
}
