// Max pools MNN's x86 int8 kernel would get wrong (negative q ranked above non-negative q) are
// given an output scale one float step above the input's, so MNN runs them in float; pools on
// values that are never negative in int8 keep MNN's int8 path. Hand-built graphs.
#include "max_pool_params.hpp"

#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

using namespace mnnq;

namespace {

// input -> conv (relu flag as given) -> [ReLU if relu_op] -> MaxPool -> Reshape (graph output).
Graph chain(bool conv_relu, bool relu_op, schema::PoolType pool_type = schema::PoolType_MAXPOOL) {
  auto net = std::make_unique<schema::NetT>();
  auto add = [&](const std::string& name, schema::OpType type, std::vector<int> in) {
    net->tensorName.push_back(name);
    auto op = std::make_unique<schema::OpT>();
    op->name = name;
    op->type = type;
    op->inputIndexes = std::move(in);
    op->outputIndexes = {int(net->tensorName.size()) - 1};
    net->oplists.push_back(std::move(op));
    return int(net->tensorName.size()) - 1;
  };
  const int x = add("x", schema::OpType_Input, {});
  auto input = std::make_unique<schema::InputT>();
  input->dims = {1, 2, 4, 4};
  input->dformat = schema::MNN_DATA_FORMAT_NC4HW4;
  net->oplists.back()->main.type = schema::OpParameter_Input;
  net->oplists.back()->main.value = input.release();
  int t = add("conv", schema::OpType_Convolution, {x});
  auto conv = std::make_unique<schema::Convolution2DT>();
  conv->common = std::make_unique<schema::Convolution2DCommonT>();
  conv->common->inputCount = conv->common->outputCount = 2;
  conv->common->relu = conv_relu;
  conv->weight.assign(4, 0.5f);
  conv->bias.assign(2, 0.f);
  net->oplists.back()->main.type = schema::OpParameter_Convolution2D;
  net->oplists.back()->main.value = conv.release();
  if (relu_op) {
    t = add("relu", schema::OpType_ReLU, {t});
    net->oplists.back()->main.type = schema::OpParameter_Relu;
    net->oplists.back()->main.value = new schema::ReluT();
  }
  t = add("pool", schema::OpType_Pooling, {t});
  auto pool = std::make_unique<schema::PoolT>();
  pool->type = pool_type;
  pool->kernelX = pool->kernelY = pool->strideX = pool->strideY = 2;
  net->oplists.back()->main.type = schema::OpParameter_Pool;
  net->oplists.back()->main.value = pool.release();
  t = add("flat", schema::OpType_Reshape, {t});
  auto reshape = std::make_unique<schema::ReshapeT>();
  reshape->dims = {1, -1};
  net->oplists.back()->main.type = schema::OpParameter_Reshape;
  net->oplists.back()->main.value = reshape.release();
  net->outputName = {"flat"};
  net->tensorNumber = int(net->tensorName.size());
  return Graph::fromNet(std::move(net), "test");
}

mnnq_feature_params params(float scale, float zero) {
  mnnq_feature_params p{};
  p.valid = 1;
  p.scale = scale;
  p.zero = zero;
  p.min = -127;
  p.max = 127;
  return p;
}

// Parameters as KL's scale sharing leaves them: conv output, pool output and reshape output equal.
TensorParams shared(const Graph& g, float zero) {
  TensorParams p;
  for (int t = 1; t < g.numTensors(); ++t) p[t] = params(0.02f, zero);
  return p;
}

int id(const Graph& g, const std::string& name) {
  for (int t = 0; t < g.numTensors(); ++t)
    if (g.tensorName(t) == name) return t;
  return -1;
}

}  // namespace

TEST_CASE("a max pool on signed int8 values gets its own scale; later copies follow", "[pipeline][rules]") {
  const Graph g = chain(false, false);  // conv without ReLU: values of both signs
  TensorParams p = shared(g, 0);
  CHECK_FALSE(nonNegativeByConstruction(g, id(g, "conv")));
  const auto pools = floatSignedMaxPools(g, p);
  REQUIRE(pools == std::vector<std::string>{"pool"});
  const float up = std::nextafter(0.02f, std::numeric_limits<float>::infinity());
  CHECK(p[id(g, "conv")].scale == 0.02f);  // the input keeps its parameters
  CHECK(p[id(g, "pool")].scale == up);     // (scale, zero) differ: MNN runs the pool in float
  CHECK(p[id(g, "pool")].zero == 0.0f);
  CHECK(p[id(g, "flat")].scale == up);     // the reshape copied the pool's parameters
}

TEST_CASE("a max pool after a ReLU with zero point 0 stays int8", "[pipeline][rules]") {
  for (bool fused : {true, false}) {
    const Graph g = chain(fused, !fused);
    TensorParams p = shared(g, 0);
    INFO((fused ? "fused relu" : "ReLU op"));
    CHECK(nonNegativeByConstruction(g, id(g, fused ? "conv" : "relu")));
    CHECK(floatSignedMaxPools(g, p).empty());
    CHECK(p[id(g, "pool")].scale == 0.02f);
  }
}

TEST_CASE("a max pool after a ReLU with EMA's zero point -127 goes float", "[pipeline][rules]") {
  // q = round(x / s) - 127: values below 126.5 s have q < 0.
  const Graph g = chain(true, false);
  TensorParams p = shared(g, -127);
  CHECK(floatSignedMaxPools(g, p) == std::vector<std::string>{"pool"});
  CHECK(p[id(g, "pool")].zero == -127.0f);
  CHECK(p[id(g, "pool")].scale > 0.02f);
}

TEST_CASE("a max pool whose output has no parameters gets some (MNN would propagate the input's)",
          "[pipeline][rules]") {
  const Graph g = chain(false, false);
  TensorParams p;
  p[id(g, "conv")] = params(0.05f, 0);
  CHECK(floatSignedMaxPools(g, p).size() == 1);
  REQUIRE(p.count(id(g, "pool")));
  CHECK(p[id(g, "pool")].scale == std::nextafter(0.05f, 1.0f));
  // Average pooling sums u = q + 128 correctly: left alone. So is a pool with a float input.
  const Graph avg = chain(false, false, schema::PoolType_AVEPOOL);
  TensorParams q = shared(avg, 0);
  CHECK(floatSignedMaxPools(avg, q).empty());
  TensorParams none;
  CHECK(floatSignedMaxPools(g, none).empty());
  CHECK(none.empty());
}
