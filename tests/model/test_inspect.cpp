// inspectModel on every fixture, checked against facts recorded outside this code: the README's
// input shapes and MNN's own scale dump (quant.mnn.json) written next to each quantized file.
#include "fixtures.hpp"
#include "model_files.hpp"

#include "mnnq/core/inspect.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using namespace mnnq;

TEST_CASE("inspect reports every fixture, in text and JSON") {
  MNNQ_REQUIRE_FIXTURES();
  auto models = test::floatFixtureModels();
  auto quantized = test::quantizedFixtureModels();
  models.insert(models.end(), quantized.begin(), quantized.end());
  for (const std::string& path : models) {
    INFO(path);
    Graph g = Graph::load(path);
    InspectReport r = inspectModel(g, 1);
    int histogram = 0;
    for (const auto& kv : r.op_types) histogram += kv.second;
    CHECK(histogram == g.numOps());
    CHECK(r.inputs.size() == g.inputs().size());
    CHECK(r.parameter_count > 0);
    nlohmann::json j = inspectToJson(r);
    CHECK(j["quantization"]["quantized"].get<bool>() == (path.find("mnn_quantized") != std::string::npos));
    CHECK(inspectToText(r).find("inputs:") != std::string::npos);
  }
}

TEST_CASE("inspect: input shape and layout of the README, float model not quantized") {
  MNNQ_REQUIRE_FIXTURES();
  InspectReport r = inspectModel(Graph::load(test::fixture("models/ultraface/rfb320_onnx.mnn")), 1);
  REQUIRE(r.inputs.size() == 1);
  CHECK(r.inputs[0].name == "input");
  CHECK(r.inputs[0].shape == std::vector<int>{1, 3, 240, 320});
  CHECK(r.inputs[0].dtype == "float32");
  CHECK_FALSE(r.quantization.quantized());
  CHECK(r.quantization.int8_convolutions == 0);
}

// MNN's quant.mnn.json lists, per op, the scale it gave each input/output tensor (KL path).
TEST_CASE("inspect: quant info count and scale range equal MNN's own scale dump") {
  MNNQ_REQUIRE_FIXTURES();
  for (const char* dir : {"rfb320/KL", "rfb320_onnx/KL", "blazeface_tf/KL", "mnist/KL", "ppocr_cls/KL"}) {
    INFO(dir);
    const std::string base = test::fixture(std::string("mnn_quantized/") + dir);
    std::ifstream in(base + "/quant.mnn.json");
    nlohmann::json dump = nlohmann::json::parse(in);
    std::map<int, double> scales;
    for (const auto& op : dump) {
      for (const char* side : {"inputs", "outputs"}) {
        if (!op.contains(side)) continue;
        for (const auto& t : op[side]) scales[t["tensorIndex"].get<int>()] = t["scales"][0].get<double>();
      }
    }
    int positive = 0;
    double lo = 1e30, hi = 0;
    for (const auto& [t, s] : scales) {
      if (s <= 0) continue;
      ++positive;
      lo = std::min(lo, s);
      hi = std::max(hi, s);
    }
    InspectReport r = inspectModel(Graph::load(base + "/quant.mnn"), 1);
    const InspectQuantization& q = r.quantization;
    CHECK(q.quantized());
    CHECK(q.tensors_with_quant_info - q.zero_scales == positive);
    CHECK(q.scale_min == Approx(lo).epsilon(1e-6));
    CHECK(q.scale_max == Approx(hi).epsilon(1e-6));
    CHECK(q.int8_convolutions > 0);
    CHECK(q.weight_bits.count(8) == 1);
  }
}
