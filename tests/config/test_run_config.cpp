// A whole run's configuration: plugin selection by the method keys, their keys, overrides and
// the cross-key rules.
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include "mnnq/core/run_config.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace mnnq;
using nlohmann::json;

namespace {

const PluginRegistry& fakes() {
  static PluginRegistry registry = [] {
    std::string dir = test::tempDir("runcfg");
    for (const char* stem : {"libmnnq_test_feature", "libmnnq_test_other_feature",
                             "libmnnq_test_weight", "libmnnq_test_input"})
      test::placePlugin(stem, dir);
    PluginSearchOptions options;
    options.use_environment = false;
    options.plugin_dirs = {dir};
    return PluginRegistry::discover(options);
  }();
  return registry;
}

json base() {
  return {{"model", "m.mnn"},        {"output", "q.mnn"},
          {"path", "images"},        {"feature_quantize_method", "TESTCAL"},
          {"weight_quantize_method", "TESTW"}, {"input_type", "testimg"},
          {"width", 8}};
}

RunConfig prepare(const json& values, const RunOverrides& overrides = {}) {
  ConfigFile file{"/cfg/dir/run.json", "/cfg/dir", values};
  return prepareRunConfig(file, fakes(), overrides);
}

std::string errorOf(const json& values, const RunOverrides& overrides = {}) {
  try {
    prepare(values, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("the method keys select the plugins whose keys are then validated and filled") {
  RunConfig run = prepare(base());
  REQUIRE(run.feature_calibrator);
  CHECK(run.feature_calibrator->name() == "TESTCAL");
  CHECK(run.weight_quantizer->name() == "TESTW");
  CHECK(run.input_source->name() == "testimg");
  CHECK(run.config_file == "/cfg/dir/run.json");
  CHECK(run.values["tc_level"] == 3);          // feature plugin default
  CHECK(run.values["format"] == "BGR");        // input plugin default
  CHECK(run.values["tw_unused"] == false);     // weight plugin default
  CHECK_FALSE(run.values.contains("winogradOpt"));  // TESTEMA is not selected
  CHECK(run.values["model"] == "/cfg/dir/m.mnn");
  CHECK(run.values["output"] == "/cfg/dir/q.mnn");
  CHECK(run.values["path"] == "/cfg/dir/images");
  CHECK(run.values["weight_clamp_value"] == 127);  // 2^(8-1)-1
  CHECK(run.values["used_sample_num"] == 0);
  CHECK(run.notes.empty());
}

TEST_CASE("an unknown method names the key, the loaded plugins and the closest one") {
  json c = base();
  c["feature_quantize_method"] = "TESTCA";
  CHECK(errorOf(c) ==
        "/cfg/dir/run.json: feature_quantize_method 'TESTCA' is not a loaded feature calibrator "
        "(loaded: TESTCAL, TESTEMA); did you mean 'TESTCAL'?");
  c = base();
  c["weight_quantize_method"] = 4;
  CHECK(errorOf(c) == "/cfg/dir/run.json: key 'weight_quantize_method': expected a string, given 4");
  c = base();
  c["input_type"] = "sequence";
  CHECK_THAT(errorOf(c), Catch::StartsWith("/cfg/dir/run.json: input_type 'sequence' is not a "
                                           "loaded input source (loaded: testimg)"));
}

TEST_CASE("the selected plugins' keys are checked, other plugins' keys only noted") {
  json c = base();
  c["tc_level"] = 11;
  CHECK(errorOf(c) == "/cfg/dir/run.json: key 'tc_level': expected an integer in [1, 10], given 11 "
                      "(declared by plugin TESTCAL)");
  c = base();
  c["format"] = "XYZ";
  CHECK(errorOf(c) == "/cfg/dir/run.json: key 'format': expected one of RGB, BGR, RGBA, BGRA, GRAY, "
                      "given \"XYZ\" (declared by plugin testimg)");
  c = base();
  c["winogradOpt"] = false;
  RunConfig run = prepare(c);
  REQUIRE(run.notes.size() == 1);
  CHECK_THAT(run.notes[0], Catch::Contains("'winogradOpt' is read only by TESTEMA"));
  c["feature_quantize_method"] = "TESTEMA";
  c.erase("tc_level");
  CHECK(prepare(c).notes.empty());
  c["tc_leve"] = 2;
  CHECK(errorOf(c) == "/cfg/dir/run.json: unknown key 'tc_leve'; did you mean 'tc_level'?");
}

TEST_CASE("model and output from the command line win and resolve against the current folder") {
  RunOverrides o;
  o.model = "other.mnn";
  o.output = "/tmp/out.mnn";
  o.threads = 3;
  RunConfig run = prepare(base(), o);
  CHECK(run.values["model"] == (std::filesystem::current_path() / "other.mnn").string());
  CHECK(run.values["output"] == "/tmp/out.mnn");
  CHECK(run.values["threads"] == 3);
  json c = base();
  c.erase("model");
  c.erase("output");
  CHECK(prepare(c, o).values["model"].get<std::string>().find("other.mnn") != std::string::npos);
}

TEST_CASE("a threads override is checked against the threads key's one range, named as given") {
  RunOverrides o;
  o.threads = 1025;
  CHECK(errorOf(base(), o) == "--threads: expected an integer in [0, 1024], given 1025");
  o.threads = -1;
  o.threads_option = "threads";
  CHECK(errorOf(base(), o) == "threads: expected an integer in [0, 1024], given -1");
  o.threads = 1024;
  CHECK(prepare(base(), o).settings.threads == 1024);
}

TEST_CASE("the typed settings are the validated host keys") {
  json c = base();
  c["quant_bits"] = 6;
  c["input_cache_mb"] = 3;
  c["skip_quant_op_names"] = {"b", "a"};
  c["bias_correction"] = true;
  RunOverrides o;
  o.threads = 2;
  const RunSettings s = prepare(c, o).settings;
  CHECK(s.model == "/cfg/dir/m.mnn");
  CHECK(s.output == "/cfg/dir/q.mnn");
  CHECK(s.quant_bits == 6);
  CHECK(s.weight_clamp == 31);  // 2^(6-1)-1
  CHECK(s.input_cache_bytes == 3u * 1024 * 1024);
  CHECK(s.skip_op_names == std::vector<std::string>{"b", "a"});
  CHECK(s.bias_correction);
  CHECK_FALSE(s.debug);
  CHECK_FALSE(s.cross_layer_equalization.has_value());  // left to the calibrator
  CHECK(s.threads == 2);
  CHECK(s.shards == 16);
  c["cross_layer_equalization"] = false;
  CHECK(prepare(c).settings.cross_layer_equalization == std::optional<bool>(false));
}

TEST_CASE("model, output and path are required; output must not be the model") {
  for (const char* key : {"model", "output", "path"}) {
    json c = base();
    c.erase(key);
    CHECK_THAT(errorOf(c), Catch::Contains(std::string("'") + key + "'"));
  }
  json c = base();
  c["output"] = "./m.mnn";
  CHECK(errorOf(c) == "/cfg/dir/run.json: output /cfg/dir/m.mnn would overwrite the model; choose "
                      "another output file");
}

TEST_CASE("weight_clamp_value follows quant_bits") {
  json c = base();
  c["quant_bits"] = 4;
  CHECK(prepare(c).values["weight_clamp_value"] == 7);
  c["weight_clamp_value"] = 5;
  CHECK(prepare(c).values["weight_clamp_value"] == 5);
  c["weight_clamp_value"] = 127;
  CHECK(errorOf(c) == "/cfg/dir/run.json: key 'weight_clamp_value': expected at most 7 "
                      "(2^(quant_bits-1)-1 for quant_bits 4), given 127");
  c["quant_bits"] = 8.0;  // integral numbers are integers, passed on as such
  c["weight_clamp_value"] = 100.0;
  RunConfig run = prepare(c);
  CHECK(run.values["quant_bits"].is_number_integer());
  CHECK(run.values["weight_clamp_value"] == 100);
}

TEST_CASE("used_sample_num wins over used_image_num, as in MNN") {
  json c = base();
  c["used_image_num"] = 10;
  CHECK(prepare(c).values["used_sample_num"] == 10);
  c["used_sample_num"] = 4;
  CHECK(prepare(c).values["used_sample_num"] == 4);
}

TEST_CASE("inputs entries are checked field by field") {
  json c = base();
  c["inputs"] = json::parse(R"([{"name": "data", "shape": [1, 3, 8, 8], "value": [0.5]}])");
  CHECK(errorOf(c) == "(no error)");
  c["inputs"] = json::parse(R"([{"name": "data", "shap": [1]}])");
  CHECK(errorOf(c) == "/cfg/dir/run.json: inputs[0]: unknown field 'shap'; did you mean 'shape'?");
  c["inputs"] = json::parse(R"([{"shape": [1]}])");
  CHECK(errorOf(c) == "/cfg/dir/run.json: inputs[0]: 'name' (the model input's name) must be a string");
  c["inputs"] = json::parse(R"([{"name": "a", "shape": [1, 0]}])");
  CHECK(errorOf(c) == "/cfg/dir/run.json: inputs[0]: 'shape' must be a list of 1 to 8 positive "
                      "integers, given [1,0]");
  c["inputs"] = json::parse(R"([{"name": "a"}, {"name": "a"}])");
  CHECK(errorOf(c) == "/cfg/dir/run.json: inputs[1]: input 'a' is listed twice");
  c["inputs"] = json::parse(R"({"name": "a"})");
  CHECK_THAT(errorOf(c), Catch::StartsWith("/cfg/dir/run.json: key 'inputs': expected a list"));
}
