// EMA on a model whose BinaryOp carries a fused ReLU (UltraFace RFB-320 converted from ONNX:
// Add "313" + ReLU feeds both detection heads). MNN's int8 BinaryOp clamps that ReLU at int8 0,
// not at the zero point, so with EMA's asymmetric zero -127 half of the range was cut off and
// the boxes output came out with cosine -0.4 against the float model (MNN's own EMA file:
// -0.3). Checked here with the int8 simulation (bit-exact with MNN's int8 runtime on this
// model) against MNN's float outputs in fixtures/references.
#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace mnnq;
using namespace mnnq::test;

TEST_CASE("EMA on a BinaryOp with fused ReLU keeps rfb320_onnx's int8 outputs close to float",
          "[pipeline][ema]") {
  MNNQ_REQUIRE_FIXTURES();
  PipelineRun ours = runPipeline(
      "rfb320_onnx",
      {{"feature_quantize_method", "EMA"}, {"winogradOpt", false}, {"used_image_num", 16}});
  const Graph graph = Graph::load(ours.output);

  // The Add's output: zero point 0, so int8 0 (where MNN's fused ReLU clamps) is real 0.
  const int add = graph.findOp("313");
  REQUIRE(add >= 0);
  const int addOut = graph.op(add).outputIndexes.at(0);
  bool found = false;
  for (const auto& d : graph.net().extraTensorDescribe)
    if (d && d->index == addOut && d->quantInfo) {
      found = true;
      CHECK(d->quantInfo->zero == 0.0f);
    }
  CHECK(found);

  ExecutorOptions options;
  options.simulate_int8 = true;
  const Executor executor(graph, options);
  std::ifstream index(fixture("references/rfb320_onnx/references.json"));
  REQUIRE(index);
  const auto runs = nlohmann::json::parse(index);
  REQUIRE(runs.size() >= 4);
  for (const auto& run : runs) {
    const std::string dir = fixture("references/rfb320_onnx/" + run["dir"].get<std::string>());
    const auto outputs = executor.run({{graph.inputs().at(0), readNpy(dir + "/input.npy")}});
    for (const auto& o : run["outputs"]) {
      const int tensor = graph.findTensor(o["name"].get<std::string>());
      REQUIRE(tensor >= 0);
      const Tensor reference = readNpy(dir + "/" + o["file"].get<std::string>());
      const Tensor& mine = outputs.at(tensor);
      REQUIRE(mine.elementCount() == reference.elementCount());
      const double c = cosine(mine.f, reference.f);
      INFO(run["dir"].get<std::string>() << " " << o["name"].get<std::string>() << ": cosine " << c);
      CHECK(c > 0.95);
    }
  }
}
