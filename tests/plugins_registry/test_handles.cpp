// Handles: vtable calls through the SDK adapters, and plugin failures as PluginError.
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include "mnnq/core/plugin_handles.hpp"

#include <catch2/catch.hpp>

using namespace mnnq;

namespace {

PluginRegistry fakes() {
  std::string dir = test::tempDir("handles");
  for (const char* stem : {"libmnnq_test_feature", "libmnnq_test_weight", "libmnnq_test_input"})
    test::placePlugin(stem, dir);
  PluginSearchOptions options;
  options.use_environment = false;
  options.plugin_dirs = {dir};
  return PluginRegistry::discover(options);
}

mnnq_tensor_desc tensor(uint32_t index) {
  mnnq_tensor_desc d{};
  d.index = index;
  d.name = "t";
  d.producer_op = "";
  d.producer_type = "";
  d.ndim = 1;
  d.dims[0] = 3;
  return d;
}

}  // namespace

TEST_CASE("a calibrator handle runs a pass and returns per-tensor parameters") {
  PluginRegistry registry = fakes();
  CalibratorHandle c(*registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL"),
                     R"({"feature_clamp_value": 100})");
  CHECK(c.sharesScales());
  CHECK(c.hasTransform());  // the SDK adapter always provides one
  REQUIRE(c.prepare({tensor(0), tensor(1)}, 4) == 1);
  mnnq_pass_desc pass = c.beginPass(0);
  CHECK(pass.flags == MNNQ_PASS_OBSERVE);
  const float a[] = {1.f, -5.f, 2.f};
  const float b[] = {0.5f, 0.25f, -0.5f};
  c.observe(0, 0, 0, 1, 0, a, 3);
  c.observe(0, 1, 1, 1, 1, b, 3);
  c.endPass(0);
  std::vector<mnnq_feature_params> params = c.compute();
  REQUIRE(params.size() == 2);
  CHECK(params[0].valid == 1);
  CHECK(params[0].scale == Approx(5.f / 100.f));  // max|x| / clamp, by hand
  CHECK(params[1].scale == Approx(0.5f / 100.f));
  CHECK(params[1].max == 100.f);
}

TEST_CASE("plugin failures become PluginError naming the plugin, the call and the message") {
  PluginRegistry registry = fakes();
  const LoadedPlugin& plugin = *registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL");
  try {
    CalibratorHandle c(plugin, R"({"tc_mode": "fail_create"})");
    FAIL("create did not fail");
  } catch (const PluginError& e) {
    CHECK(e.status() == MNNQ_INVALID_ARGUMENT);
    CHECK(e.isConfigError());
    CHECK(std::string(e.what()) == plugin.label() +
                                       ": create failed (INVALID_ARGUMENT): tc_mode fail_create "
                                       "asked me to fail");
  }
  CalibratorHandle c(plugin, "{}");
  c.prepare({tensor(0)}, 1);
  const float x[] = {1.f};
  try {
    c.observe(0, 0, 0, 1, 7, x, 1);
    FAIL("observe did not fail");
  } catch (const PluginError& e) {
    CHECK(e.status() == MNNQ_INVALID_STATE);
    CHECK_FALSE(e.isConfigError());
    CHECK_THAT(e.what(), Catch::Contains("observe failed (INVALID_STATE): tensor index out of range"));
  }
  // A config that is not JSON at all is the plugin's INVALID_ARGUMENT too.
  CHECK_THROWS_AS(CalibratorHandle(plugin, "{not json"), PluginError);
}

TEST_CASE("a weight quantizer handle fills host-owned buffers") {
  PluginRegistry registry = fakes();
  WeightQuantizerHandle q(*registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "TESTW"), "{}");
  const float w[] = {1.f, -2.f, 0.5f, 0.25f};
  mnnq_weight_desc desc{};
  desc.op_name = "conv1";
  desc.data = w;
  desc.count = 4;
  desc.out_channels = 2;
  desc.in_channels_per_group = 2;
  desc.kernel_h = desc.kernel_w = 1;
  desc.bits = 8;
  desc.clamp = 127;
  std::vector<float> scales(2), zeros(2, 0.f);
  std::vector<int8_t> values(4);
  mnnq_weight_result result{scales.data(), zeros.data(), values.data(), 0};
  q.quantize(desc, result);
  CHECK(scales[0] == Approx(2.f / 127));
  CHECK(values[1] == -127);
  CHECK(values[0] == 64);  // round(1 / (2/127)) = round(63.5) = 64
  desc.out_channels = 0;
  CHECK_THROWS_WITH(q.quantize(desc, result), Catch::Contains("quantize of 'conv1' failed"));
}

TEST_CASE("an input source handle reports shapes, names, loads and skips") {
  PluginRegistry registry = fakes();
  mnnq_input_desc input{};
  input.name = "data";
  input.ndim = 2;
  input.dims[0] = 1;
  input.dims[1] = -1;
  input.layout = MNNQ_LAYOUT_NCHW;
  InputSourceHandle source(*registry.find(MNNQ_KIND_INPUT_SOURCE, "testimg"),
                           R"({"width": 5, "tin_count": 3})", {input});
  mnnq_input_desc shape = source.inputShape(0);
  CHECK(std::string(shape.name) == "data");
  CHECK(shape.dims[1] == 5);
  CHECK(source.count() == 3);
  CHECK(source.sampleName(2) == "sample2");
  std::vector<float> buffer(5);
  float* buffers[] = {buffer.data()};
  std::string why;
  CHECK(source.load(2, buffers, &why));
  CHECK(buffer[4] == 2.f);
  CHECK_FALSE(source.load(1, buffers, &why));
  CHECK(why == "sample1 is unreadable on purpose");
  CHECK_THROWS_AS(source.load(9, buffers, &why), PluginError);
  CHECK_THROWS_AS(source.inputShape(1), std::out_of_range);
}
