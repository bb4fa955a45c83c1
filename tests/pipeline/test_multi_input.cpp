// A two-input model (built with mnnq's own writer) calibrated from `npy` and `sequence`
// samples: both inputs are fed, the convolution is quantized, and the scale of the sum the
// model computes is the one the data dictates (hand-derived: every sample has x + y in
// [-4, 4] with a maximum of exactly 4, so the graph-input-free KL max threshold is known).
#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>

#include <fstream>

using namespace mnnq;
using namespace mnnq::test;

namespace {

// x[1,2,4,4] + y[1,2,4,4] -> z -> 1x1 Convolution (3 out channels) -> out
std::string writeTwoInputModel(const std::string& dir) {
  schema::NetT net;
  net.tensorName = {"x", "y", "z", "out"};
  net.sourceType = schema::NetSource_ONNX;
  auto input = [&](const std::string& name, int tensor) {
    auto op = std::make_unique<schema::OpT>();
    op->name = name;
    op->type = schema::OpType_Input;
    op->outputIndexes = {tensor};
    auto p = std::make_unique<schema::InputT>();
    p->dims = {1, 2, 4, 4};
    p->dformat = schema::MNN_DATA_FORMAT_NCHW;
    op->main.type = schema::OpParameter_Input;
    op->main.value = p.release();
    net.oplists.push_back(std::move(op));
  };
  input("x", 0);
  input("y", 1);
  auto add = std::make_unique<schema::OpT>();
  add->name = "add";
  add->type = schema::OpType_BinaryOp;
  add->inputIndexes = {0, 1};
  add->outputIndexes = {2};
  auto binary = std::make_unique<schema::BinaryOpT>();
  binary->opType = schema::BinaryOpOperation_ADD;
  add->main.type = schema::OpParameter_BinaryOp;
  add->main.value = binary.release();
  net.oplists.push_back(std::move(add));

  auto conv = std::make_unique<schema::OpT>();
  conv->name = "conv";
  conv->type = schema::OpType_Convolution;
  conv->inputIndexes = {2};
  conv->outputIndexes = {3};
  auto c2d = std::make_unique<schema::Convolution2DT>();
  c2d->common = std::make_unique<schema::Convolution2DCommonT>();
  c2d->common->inputCount = 2;
  c2d->common->outputCount = 3;
  c2d->weight = {1.0f, 0.5f, -0.25f, 0.75f, 0.1f, -1.0f};
  c2d->bias = {0.0f, 0.1f, -0.1f};
  conv->main.type = schema::OpParameter_Convolution2D;
  conv->main.value = c2d.release();
  net.oplists.push_back(std::move(conv));
  net.outputName = {"out"};
  net.tensorNumber = 4;
  const std::string path = dir + "/two_inputs.mnn";
  saveNet(net, path);
  return path;
}

Tensor sampleTensor(int sample, int which) {
  Tensor t;
  t.shape = {1, 2, 4, 4};
  t.f.resize(32);
  for (int i = 0; i < 32; ++i) t.f[i] = ((i * 7 + sample * 3 + which * 5) % 17) / 8.0f - 1.0f;
  if (sample == 0 && which == 0) t.f[5] = 3.0f;  // x + y reaches exactly 4 at element 5
  if (sample == 0 && which == 1) t.f[5] = 1.0f;
  return t;
}

void checkRun(const PipelineRun& run) {
  Graph written = Graph::load(run.output);
  const auto* conv = written.op(written.findOp("conv")).main.AsConvolution2D();
  REQUIRE(conv);
  CHECK(conv->quanParameter);
  CHECK(conv->weight.empty());
  // Both graph inputs and the sum got parameters, i.e. both inputs were fed.
  auto scales = outputScales(run.scale_dump);
  CHECK(scales.count(0));
  CHECK(scales.count(1));
  REQUIRE(scales.count(2));
  // z has 32 elements per sample (< 100 positions: 4x4 = 16), so KL uses the max threshold:
  // s = (2047 + 0.5) / 2048 * max|z| / 127 with max|z| = 4.
  CHECK(scales[2].first == Approx(2047.5 / 2048.0 * 4.0 / 127.0).epsilon(1e-5));
}

}  // namespace

TEST_CASE("npy samples drive a two-input model", "[pipeline][inputs]") {
  const std::string dir = tempDir("two-inputs-npy");
  const std::string model = writeTwoInputModel(dir);
  for (int s = 0; s < 6; ++s) {
    const std::string folder = dir + "/samples/s" + std::to_string(s);
    boost::filesystem::create_directories(folder);
    writeNpy(folder + "/x.npy", sampleTensor(s, 0));
    writeNpy(folder + "/y.npy", sampleTensor(s, 1));
  }
  PipelineRun run = runPipelineWith(model, {{"input_type", "npy"}, {"path", dir + "/samples"}});
  checkRun(run);
}

TEST_CASE("sequence samples drive a two-input model", "[pipeline][inputs]") {
  const std::string dir = tempDir("two-inputs-seq");
  const std::string model = writeTwoInputModel(dir);
  for (int s = 0; s < 6; ++s) {
    const std::string folder = dir + "/samples/s" + std::to_string(s);
    boost::filesystem::create_directories(folder);
    for (int which = 0; which < 2; ++which) {
      std::ofstream txt(folder + (which ? "/y.txt" : "/x.txt"));
      for (float v : sampleTensor(s, which).f) txt << v << " ";
    }
  }
  PipelineRun run = runPipelineWith(model, {{"input_type", "sequence"}, {"path", dir + "/samples"}});
  checkRun(run);
}
