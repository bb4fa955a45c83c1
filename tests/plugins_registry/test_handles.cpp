// Handles: vtable calls through the SDK adapters, and plugin failures as PluginError.
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include "mnnq/core/plugin_handles.hpp"

#include <mnnq/plugin.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <functional>

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
  CHECK_FALSE(c.hasTransform());     // no MNNQ_CALIBRATOR_TRANSFORMS: the SDK leaves it NULL
  CHECK_FALSE(c.reproducesMnn());
  REQUIRE(c.prepare({tensor(0), tensor(1)}, 4) == 1);
  mnnq_pass_desc pass = c.beginPass(0);
  CHECK(pass.flags == MNNQ_PASS_OBSERVE);
  float a[] = {1.f, -5.f, 2.f};
  float b[] = {0.5f, 0.25f, -0.5f};
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
  // A config that is not JSON at all is an INVALID_ARGUMENT from create too.
  try {
    CalibratorHandle bad(plugin, "{not json");
    FAIL("no error");
  } catch (const PluginError& e) {
    CHECK(e.isConfigError());
  }
}

TEST_CASE("the calibrator handle enforces the call order before the plugin sees a call") {
  PluginRegistry registry = fakes();
  const LoadedPlugin& plugin = *registry.find(MNNQ_KIND_FEATURE_CALIBRATOR, "TESTCAL");
  float x[] = {1.f};
  auto expectOrderError = [](const std::function<void()>& call, const std::string& what) {
    try {
      call();
      FAIL("no error for " << what);
    } catch (const PluginError& e) {
      CHECK(e.status() == MNNQ_INVALID_STATE);
      CHECK_FALSE(e.isConfigError());
      CHECK_THAT(e.what(), Catch::Contains("call order: " + what));
    }
  };
  CalibratorHandle c(plugin, "{}");
  expectOrderError([&] { c.beginPass(0); }, "begin_pass(0) out of order");
  expectOrderError([&] { c.compute(); }, "compute before the last of 0 passes ended");
  expectOrderError([&] { c.prepare({tensor(1)}, 1); }, "tensor 0 has index 1");
  REQUIRE(c.prepare({tensor(0)}, 2) == 1);
  expectOrderError([&] { c.prepare({tensor(0)}, 2); }, "prepare called twice");
  expectOrderError([&] { c.observe(0, 0, 0, 1, 0, x, 1); }, "observe for pass 0 outside it");
  expectOrderError([&] { c.beginPass(1); }, "begin_pass(1) out of order");
  c.beginPass(0);
  expectOrderError([&] { c.observe(0, 0, 0, 1, 7, x, 1); }, "observe with shard 0 of 2, tensor 7 of 1");
  expectOrderError([&] { c.observe(0, 2, 0, 1, 0, x, 1); }, "observe with shard 2 of 2");
  expectOrderError([&] { c.observe(1, 0, 0, 1, 0, x, 1); }, "observe for pass 1 outside it");
  expectOrderError([&] { c.transform(0, 0, 0, 1, 0, x, 1); },
                   "transform in pass 0, which did not ask for it");
  expectOrderError([&] { c.compute(); }, "compute before the last of 1 passes ended");
  c.observe(0, 1, 1, 1, 0, x, 1);
  expectOrderError([&] { c.endPass(1); }, "end_pass(1) without begin_pass");
  c.endPass(0);
  expectOrderError([&] { c.observe(0, 0, 0, 1, 0, x, 1); }, "observe for pass 0 outside it");
  expectOrderError([&] { c.beginPass(1); }, "begin_pass(1) out of order (1 passes)");
  CHECK(c.compute()[0].scale == Approx(1.f / 127.f));
  expectOrderError([&] { c.compute(); }, "compute before the last of 1 passes ended, or twice");
}

TEST_CASE("the input and weight handles check indexes and descriptions for the plugin") {
  PluginRegistry registry = fakes();
  mnnq_input_desc input{};
  input.name = "data";
  input.ndim = 2;
  input.dims[0] = 1;
  input.dims[1] = 4;
  InputSourceHandle source(*registry.find(MNNQ_KIND_INPUT_SOURCE, "testimg"),
                           R"({"tin_count": 2})", {input});
  std::vector<float> buffer(4);
  float* buffers[] = {buffer.data()};
  std::string why;
  CHECK_THROWS_WITH(source.load(2, buffers, &why), Catch::Contains("load of sample 2 of 2 not called"));
  CHECK(source.sampleName(5) == "sample 5");  // not asked of the plugin

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
  desc.clamp = 0;
  CHECK_THROWS_WITH(q.quantize(desc, result), Catch::Contains("clamp 0 outside 1..127"));
  desc.clamp = 127;
  desc.bits = 9;
  CHECK_THROWS_WITH(q.quantize(desc, result), Catch::Contains("quant_bits 9 outside 2..8"));
  desc.bits = 8;
  desc.in_channels_per_group = 3;
  CHECK_THROWS_WITH(q.quantize(desc, result), Catch::Contains("4 weights, but out_channels"));
}

TEST_CASE("plugins get the host context: thread budget, parallel loop, config values") {
  PluginHost host(nlohmann::json{{"a", 3}, {"s", "x\"y"}, {"l", {1.5, 2}}}, "P", {4, true, &host});
  const mnnq_host* h = host.abi();
  CHECK(h->struct_size == sizeof(mnnq_host));
  CHECK(h->threads == 4);
  CHECK(h->embedder_data == &host);
  CHECK(std::string(h->config_value(h, "a")) == "3");
  CHECK(h->config_value(h, "missing") == nullptr);
  mnnq::sdk::Config config(h);
  CHECK(config.get<int>("a", 0) == 3);
  CHECK(config.get<std::string>("s", "") == "x\"y");
  CHECK(config.get<std::vector<double>>("l", {}) == std::vector<double>{1.5, 2});
  CHECK(config.get<int>("missing", 9) == 9);
  CHECK_THROWS_WITH(config.get<std::string>("a", ""), "config key 'a' is not a string");
  CHECK_THROWS_WITH(config.get<int>("l", 0), "config key 'l' is not a number");

  // Every index once; workers below the budget; a failure stops the loop with its message.
  mnnq::sdk::Host sdk_host(h);
  std::vector<std::atomic<int>> seen(100);
  std::atomic<uint32_t> max_worker{0};
  sdk_host.parallelFor(100, [&](uint64_t i, uint32_t worker) {
    ++seen[i];
    uint32_t m = max_worker.load();
    while (worker > m && !max_worker.compare_exchange_weak(m, worker)) {
    }
  });
  for (auto& n : seen) CHECK(n.load() == 1);
  CHECK(max_worker.load() < 4);
  CHECK_THROWS_WITH(sdk_host.parallelFor(10, [](uint64_t i, uint32_t) {
                      if (i == 3) throw mnnq::sdk::Error("item 3 is bad", MNNQ_IO_ERROR);
                    }),
                    "item 3 is bad");
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
  CHECK_THROWS_WITH(q.quantize(desc, result),
                    Catch::Contains("quantize of convolution 'conv1' not called: out_channels is 0"));
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
  InputSourceHandle failing(*registry.find(MNNQ_KIND_INPUT_SOURCE, "testimg"),
                            R"({"width": 7, "tin_count": 3})", {input});
  std::vector<float> wide(7);
  float* wide_buffers[] = {wide.data()};
  CHECK_THROWS_WITH(failing.load(2, wide_buffers, &why),
                    Catch::Contains("load of 'sample2' failed (IO_ERROR): sample2 fails at width 7"));
  CHECK_THROWS_AS(source.inputShape(1), std::out_of_range);
}
