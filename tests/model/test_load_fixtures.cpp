// Every real model loads, and what the loader reports matches what the fixtures' README says
// about each model (facts recorded by people running MNN, not by this code).
#include "fixtures.hpp"
#include "model_files.hpp"

#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

using namespace mnnq;

namespace {

const schema::InputT& inputParam(const Graph& g, int inputIndex) {
  int op = g.producer(g.inputs().at(inputIndex));
  REQUIRE(g.op(op).main.type == schema::OpParameter_Input);
  return *g.op(op).main.AsInput();
}

std::vector<std::string> outputNames(const Graph& g) {
  std::vector<std::string> names;
  for (int t : g.outputs()) names.push_back(g.tensorName(t));
  return names;
}

}  // namespace

TEST_CASE("every fixture model loads and passes the graph checks") {
  MNNQ_REQUIRE_FIXTURES();
  auto models = test::floatFixtureModels();
  auto quantized = test::quantizedFixtureModels();
  REQUIRE(models.size() == 7);
  REQUIRE(quantized.size() == 11);
  models.insert(models.end(), quantized.begin(), quantized.end());
  for (const std::string& path : models) {
    INFO(path);
    Graph g = Graph::load(path);
    CHECK(g.numOps() > 0);
    CHECK(g.inputs().size() >= 1);
    CHECK(g.outputs().size() >= 1);
    // Indexes agree with the op lists.
    for (int i = 0; i < g.numOps(); ++i) {
      for (int t : g.op(i).outputIndexes) CHECK(g.producer(t) == i);
    }
  }
}

TEST_CASE("inputs and outputs match the fixture README") {
  MNNQ_REQUIRE_FIXTURES();
  SECTION("ultraface RFB-320 (old converter): NCHW 1x3x240x320, outputs scores and boxes") {
    Graph g = Graph::load(test::fixture("models/ultraface/RFB-320.mnn"));
    REQUIRE(g.inputs().size() == 1);
    const auto& in = inputParam(g, 0);
    CHECK(in.dims == std::vector<int>{1, 3, 240, 320});
    auto outs = outputNames(g);
    std::sort(outs.begin(), outs.end());
    CHECK(outs == std::vector<std::string>{"boxes", "scores"});
  }
  // The "NHWC" models declare their input dims in NHWC order; MNN's Input.dformat says NCHW
  // (take the dims as they are), which is why only the dims are compared here.
  SECTION("mlsd: 1x320x320x4") {
    Graph g = Graph::load(test::fixture("models/mlsd/mlsd_tiny.mnn"));
    REQUIRE(g.inputs().size() == 1);
    const auto& in = inputParam(g, 0);
    CHECK(in.dims == std::vector<int>{1, 320, 320, 4});
  }
  SECTION("blazeface_mp: 1x128x128x3 with 4 outputs") {
    Graph g = Graph::load(test::fixture("models/blazeface_mediapipe/blazeface_mp_onnx.mnn"));
    REQUIRE(g.inputs().size() == 1);
    const auto& in = inputParam(g, 0);
    CHECK(in.dims == std::vector<int>{1, 128, 128, 3});
    CHECK(g.outputs().size() == 4);
  }
  SECTION("mnist: 1x1x28x28") {
    Graph g = Graph::load(test::fixture("models/mnist_lenet/mnist.mnn"));
    REQUIRE(g.inputs().size() == 1);
    CHECK(inputParam(g, 0).dims == std::vector<int>{1, 1, 28, 28});
  }
}
