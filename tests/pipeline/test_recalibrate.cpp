// target_cosine's recalibrations (quality/recalibrate.cpp) run the run's own phases on a state
// of their own, reusing the run's calibration where the settings agree: the model a target run
// keeps must be byte for byte the model a plain run with the kept method's settings writes.
#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

using namespace mnnq;
using namespace mnnq::test;

namespace {

std::vector<uint8_t> bytesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("quality target: the kept calibration is what a run with its settings writes (rfb320)",
          "[pipeline][quality][target]") {
  MNNQ_REQUIRE_FIXTURES();
  // KL on rfb320 stays below 0.995 in-sample on these 32 photos; the methods stage tries KL +
  // bias correction (the run's calibration reused), then recalibrates with equalisation.
  const PipelineRun target = runPipeline("rfb320", {{"path", "calib32"}, {"target_cosine", 0.995},
                                                    {"max_float_conv_macs", 0.0}});
  const auto& t = target.report["target"];
  REQUIRE(t.is_object());
  const auto& methods = t["methods"];
  REQUIRE(methods.size() >= 3);
  CHECK(methods[0]["method"] == "KL");
  CHECK(methods[1]["method"] == "KL + bias correction");
  CHECK(methods[2]["method"] == "KL + equalization");
  REQUIRE(t["ops_left_float"].empty());  // max_float_conv_macs 0: ops left float only for free
  nlohmann::json kept;
  for (const auto& m : methods)
    if (m["method"] == t["method"]) kept = m;
  REQUIRE(kept.is_object());
  INFO("kept " << kept.dump());
  const PipelineRun plain = runPipeline(
      "rfb320", {{"path", "calib32"},
                 {"feature_quantize_method", kept["feature_quantize_method"]},
                 {"cross_layer_equalization", kept["cross_layer_equalization"]},
                 {"bias_correction", kept["bias_correction"]}});
  CHECK(plain.report["quality"]["worst_cosine_mean"] == t["quality_after"]["worst_cosine_mean"]);
  CHECK(bytesOf(plain.output) == bytesOf(target.output));
  // The summary describes the written file, as the plain run's summary does.
  for (const char* key : {"feature_quantize_method", "equalized_pairs", "biases_corrected"})
    CHECK(target.report["summary"][key] == plain.report["summary"][key]);
  if (kept["cross_layer_equalization"] == true)  // the configured run's "left as they are" note is stale
    for (const auto& note : target.report["summary"]["notes"])
      CHECK(note.get<std::string>().find("left as they are") == std::string::npos);
  // Every tried calibration's figure is the one its own run reports.
  for (size_t i = 1; i < methods.size() && i < 4; ++i) {
    const auto& m = methods[i];
    INFO(m.dump());
    const PipelineRun run = runPipeline("rfb320", {{"path", "calib32"},
                                                   {"feature_quantize_method", m["feature_quantize_method"]},
                                                   {"cross_layer_equalization", m["cross_layer_equalization"]},
                                                   {"bias_correction", m["bias_correction"]}});
    CHECK(run.report["quality"]["worst_cosine_mean"] == m["worst_cosine_mean"]);
  }
}
