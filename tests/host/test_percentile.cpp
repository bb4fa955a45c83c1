// The example PERCENTILE_EXAMPLE calibrator (sdk/examples/percentile), checked against hand-derived
// thresholds through the same handle the pipeline uses.
#include "fixtures.hpp"

#include "mnnq/core/plugin_handles.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace mnnq;

namespace {

const LoadedPlugin& percentilePlugin() {
  static PluginRegistry registry = [] {
    PluginSearchOptions options;
    options.use_environment = false;
    options.plugin_dirs = {MNNQ_PERCENTILE_PLUGIN_DIR};
    return PluginRegistry::discover(options);
  }();
  const LoadedPlugin* p = registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "PERCENTILE_EXAMPLE");
  REQUIRE(p);
  return *p;
}

mnnq_tensor_desc tensor(uint32_t index, int32_t elements) {
  mnnq_tensor_desc d{};
  d.index = index;
  d.name = "t";
  d.producer_op = "";
  d.producer_type = "";
  d.ndim = 1;
  d.dims[0] = elements;
  return d;
}

// Runs both passes: the values 0.01, 0.02, ..., 100.00 (10000 of them, signs alternating) as
// 100 samples of 100 values spread over `shards` shards, into tensor 0; tensor 1 sees zeros.
std::vector<mnnq_feature_params> calibrate(const std::string& config, uint32_t shards) {
  CalibratorHandle c(percentilePlugin(), config);
  uint32_t passes = c.prepare({tensor(0, 100), tensor(1, 100)}, shards);
  REQUIRE(passes == 2);
  for (uint32_t pass = 0; pass < passes; ++pass) {
    c.beginPass(pass);
    for (uint64_t sample = 0; sample < 100; ++sample) {
      std::vector<float> data(100), zeros(100, 0.f);
      for (int k = 0; k < 100; ++k) {
        int i = int(sample) * 100 + k + 1;
        data[k] = float((i % 2 ? -1 : 1) * (i / 100.0));
      }
      uint32_t shard = uint32_t(sample % shards);
      c.observe(pass, shard, sample, 1, 0, data.data(), data.size());
      c.observe(pass, shard, sample, 1, 1, zeros.data(), zeros.size());
    }
    c.endPass(pass);
  }
  return c.compute();
}

}  // namespace

TEST_CASE("PERCENTILE_EXAMPLE declares its keys") {
  const LoadedPlugin& p = percentilePlugin();
  REQUIRE(p.keys().size() == 2);
  CHECK(p.keys()[0].name == "percentile");
  CHECK(p.keys()[0].default_value == 99.99);
  CHECK(p.keys()[1].name == "percentile_bins");
  REQUIRE(p.hostKeys().size() == 1);
  CHECK(p.hostKeys()[0].name == "feature_clamp_value");
  CHECK(p.flags() == MNNQ_CALIBRATOR_SHARE_SCALES);
}

TEST_CASE("PERCENTILE_EXAMPLE threshold is the upper edge of the bin holding the p-th percentile") {
  // 99 %: the 9900th smallest |x| is 99.00; with 4096 bins over [0, 100] it falls in bin
  // floor(99 / 100 * 4096) = 4055, whose upper edge is 4056 * 100 / 4096 = 99.0234375.
  auto p = calibrate(R"({"percentile": 99, "percentile_bins": 4096, "feature_clamp_value": 127})", 4);
  REQUIRE(p.size() == 2);
  CHECK(p[0].valid == 1);
  CHECK(p[0].scale == Approx(99.0234375 / 127).epsilon(1e-6));
  CHECK(p[0].zero == 0.f);
  CHECK(p[0].min == -127.f);
  CHECK(p[0].max == 127.f);
  CHECK(p[1].valid == 0);  // all zeros: left float

  // 100 %: exactly max |x| = 100; the clamp value divides it.
  auto full = calibrate(R"({"percentile": 100, "percentile_bins": 4096, "feature_clamp_value": 100})", 4);
  CHECK(full[0].scale == Approx(100.0 / 100).epsilon(1e-6));
  CHECK(full[0].max == 100.f);

  // 50 %: the 5000th value is 50.00, bin floor(0.5 * 1024) = 512 with 1024 bins, upper edge
  // 513 * 100 / 1024 = 50.09765625.
  auto half = calibrate(R"({"percentile": 50, "percentile_bins": 1024, "feature_clamp_value": 127})", 3);
  CHECK(half[0].scale == Approx(50.09765625 / 127).epsilon(1e-6));
}

TEST_CASE("PERCENTILE_EXAMPLE does not depend on how samples are spread over shards") {
  auto one = calibrate(R"({"percentile": 99.9, "percentile_bins": 2048})", 1);
  auto seven = calibrate(R"({"percentile": 99.9, "percentile_bins": 2048})", 7);
  CHECK(one[0].scale == seven[0].scale);  // bit-identical
}

TEST_CASE("PERCENTILE_EXAMPLE: a value of the wrong type is a config error naming the key") {
  // (Ranges are the host's job: it validates the config against the declarations first.)
  try {
    CalibratorHandle(percentilePlugin(), R"({"percentile": "x"})");
    FAIL("no error");
  } catch (const PluginError& e) {
    CHECK(e.isConfigError());
    CHECK_THAT(e.what(), Catch::Contains("percentile"));
  }
}
