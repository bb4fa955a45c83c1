// The mnnq command line as users meet it: exit codes (0 ok, 1 failure while running, 2 usage
// or configuration error) and messages naming the problem.
#include "cli_runner.hpp"
#include "fake_plugins.hpp"
#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <initializer_list>

using namespace mnnq::test;

namespace {

CommandResult runMnnq(std::initializer_list<std::string> args) {
  std::string command = "env -u MNNQ_PLUGIN_PATH " + shellQuote(MNNQ_EXE);
  for (const auto& arg : args) command += " " + shellQuote(arg);
  return runShell(command);
}

// A folder with the fake feature (TESTCAL), weight (TESTW) and input (testimg) plugins.
const std::string& fakeDir() {
  static std::string dir = [] {
    std::string d = tempDir("cli_plugins");
    for (const char* stem : {"libmnnq_test_feature", "libmnnq_test_other_feature",
                             "libmnnq_test_weight", "libmnnq_test_input"})
      placePlugin(stem, d);
    return d;
  }();
  return dir;
}

// Writes a config using the fake plugins plus `extra` lines (JSON members or YAML lines).
std::string writeConfig(const std::string& name, const std::string& text) {
  std::string path = tempDir("cli_cfg") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string jsonConfig(const std::string& extra = "", const std::string& feature = "TESTCAL") {
  return "{\"model\": \"missing_model.mnn\", \"output\": \"out.mnn\", \"path\": \"images\",\n"
         " \"feature_quantize_method\": \"" + feature + "\", \"weight_quantize_method\": \"TESTW\",\n"
         " \"input_type\": \"testimg\", \"width\": 8" + extra + "}\n";
}

CommandResult runWith(const std::string& config) {
  return runMnnq({"run", "--config", config, "--plugin-dir", fakeDir()});
}

}  // namespace

TEST_CASE("mnnq --help, mnnq --version and mnnq without arguments") {
  CommandResult help = runMnnq({"--help"});
  CHECK(help.status == 0);
  CHECK_THAT(help.out, Catch::Contains("plugins") && Catch::Contains("run") &&
                           Catch::Contains("exit status: 0 success, 1 failure while running, 2"));
  CommandResult version = runMnnq({"--version"});
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("mnnq ") && Catch::Contains("(plugin ABI 2)"));
  CommandResult none = runMnnq({});
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Catch::Contains("usage: mnnq <command>"));
  CommandResult run_help = runMnnq({"run", "--help"});
  CHECK(run_help.status == 0);
  CHECK_THAT(run_help.out, Catch::Contains("--plugin-dir") && Catch::Contains("--threads"));
}

TEST_CASE("an unknown command exits 2 with the closest command") {
  CommandResult r = runMnnq({"plugn"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown command 'plugn'; did you mean 'plugins'?"));
  CHECK(runMnnq({"plugins", "--no-such-option"}).status == 2);
  CHECK(runMnnq({"plugins", "show"}).status == 2);
  CHECK(runMnnq({"plugins", "frobnicate"}).status == 2);
}

TEST_CASE("mnnq plugins lists kind, name, version, ABI, description and file") {
  CommandResult text = runMnnq({"plugins", "--plugin-dir", fakeDir()});
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("TESTCAL") && Catch::Contains("test calibrator") &&
                           Catch::Contains(fakeDir() + "/libmnnq_test_feature.so"));
  CommandResult json = runMnnq({"plugins", "--json", "--plugin-dir", fakeDir()});
  REQUIRE(json.status == 0);
  nlohmann::json listed = nlohmann::json::parse(json.out);
  CHECK(listed["host_abi"] == 2);
  bool found = false;
  for (const auto& p : listed["plugins"]) {
    if (p["name"] != "TESTCAL") continue;
    found = true;
    CHECK(p["kind"] == "feature");
    CHECK(p["version"] == "1.0.0");
    CHECK(p["abi"] == 2);
    CHECK(p["host_keys"][0]["name"] == "feature_clamp_value");
    CHECK(p["description"] == "test calibrator");
    CHECK(p["file"] == fakeDir() + "/libmnnq_test_feature.so");
    CHECK(p["origin"] == "--plugin-dir");
    CHECK(p["keys"][0]["name"] == "tc_level");
  }
  CHECK(found);
}

TEST_CASE("mnnq plugins show NAME prints the plugin's keys with type, default and help") {
  CommandResult r = runMnnq({"plugins", "show", "TESTCAL", "--plugin-dir", fakeDir()});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("TESTCAL: feature calibrator, version 1.0.0, plugin ABI 2"));
  CHECK_THAT(r.out, Catch::Matches("[\\s\\S]*tc_level +integer +3 +a test level \\(an integer in "
                                   "\\[1, 10\\]\\)[\\s\\S]*"));
  CommandResult host = runMnnq({"plugins", "show", "host"});
  CHECK(host.status == 0);
  CHECK_THAT(host.out, Catch::Contains("feature_quantize_method") && Catch::Contains("\"KL\""));
  CommandResult missing = runMnnq({"plugins", "show", "TESTCAK", "--plugin-dir", fakeDir()});
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("no plugin named 'TESTCAK'; did you mean 'TESTCAL'?"));
}

TEST_CASE("a refused plugin is a warning, a name clash an error naming both files") {
  std::string dir = tempDir("cli_abi");
  std::string bad = placePlugin("libmnnq_broken_abi", dir);
  CommandResult r = runMnnq({"plugins", "--plugin-dir", dir});
  CHECK(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: skipped plugin " + bad + ": plugin ABI 99, host supports 2"));

  std::string one = tempDir("cli_dup1"), two = tempDir("cli_dup2");
  std::string a = placePlugin("libmnnq_test_feature", one);
  std::string b = placePlugin("libmnnq_test_feature_v2", two);
  CommandResult clash = runMnnq({"plugins", "--plugin-dir", one, "--plugin-dir", two});
  CHECK(clash.status == 2);
  CHECK_THAT(clash.err, Catch::Contains(a) && Catch::Contains(b));
}

TEST_CASE("run: command-line mistakes exit 2") {
  CommandResult r = runMnnq({"run"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("'--config' is required"));
  std::string cfg = writeConfig("ok.json", jsonConfig());
  CHECK(runMnnq({"run", "--config", cfg, "--threads", "-1"}).status == 2);
  CHECK(runMnnq({"run", "--config", cfg, "--threads", "many"}).status == 2);
  CommandResult missing = runMnnq({"run", "--config", "/nonexistent/cfg.json"});
  CHECK(missing.status == 2);
  CHECK_THAT(missing.err, Catch::Contains("/nonexistent/cfg.json: cannot open config file"));
  CHECK(runMnnq({"run", "--config", writeConfig("cfg.txt", "{}")}).status == 2);
}

TEST_CASE("run: every bad-config case exits 2 with a message naming the key") {
  struct Case {
    const char* name;
    std::string extra;
    std::string message;
  };
  const Case cases[] = {
      {"unknown key", ", \"fromat\": \"RGB\"", "unknown key 'fromat'; did you mean 'format'?"},
      {"wrong type", ", \"quant_bits\": \"8\"", "key 'quant_bits': expected an integer in [2, 8], given \"8\""},
      {"out of range", ", \"feature_clamp_value\": 300",
       "key 'feature_clamp_value': expected an integer in [1, 127], given 300"},
      {"bad format", ", \"format\": \"BRG\"",
       "key 'format': expected one of RGB, BGR, RGBA, BGRA, GRAY, given \"BRG\""},
      {"plugin key", ", \"tc_level\": 0", "key 'tc_level': expected an integer in [1, 10], given 0"},
      {"bad list", ", \"skip_quant_op_names\": [1]", "key 'skip_quant_op_names': expected a list of strings"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CommandResult r = runWith(writeConfig("bad.json", jsonConfig(c.extra)));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
  }
  CommandResult method = runWith(writeConfig("m.json", jsonConfig("", "KLL")));
  CHECK(method.status == 2);
  CHECK_THAT(method.err, Catch::Contains("feature_quantize_method 'KLL' is not a loaded feature calibrator"));
}

TEST_CASE("run: parse errors exit 2 naming file, line and column") {
  std::string json_cfg = writeConfig("broken.json", "{\n  \"width\": 8,\n  \"path\" \"x\"\n}\n");
  CommandResult j = runWith(json_cfg);
  CHECK(j.status == 2);
  // Line 3 is `  "path" "x"`: the parser stops after the unexpected string "x" (columns 10-12).
  CHECK_THAT(j.err, Catch::Contains(json_cfg + ":3:12: invalid JSON"));
  std::string yaml_cfg = writeConfig("broken.yaml", "width: 8\npath: images: more\n");
  CommandResult y = runWith(yaml_cfg);
  CHECK(y.status == 2);
  // Line 2 is `path: images: more`: the second ':' is its 13th character.
  CHECK_THAT(y.err, Catch::Contains(yaml_cfg + ":2:13: invalid YAML"));
}

TEST_CASE("run and the quantized.out form agree; a run-time failure exits 1") {
  std::string cfg = writeConfig("valid.json", jsonConfig());
  // The config is valid, the model file does not exist: a failure while running.
  CommandResult r = runWith(cfg);
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::StartsWith("mnnq run: error: "));
  // MNN's `quantized.out IN OUT CFG`: same command. Plugins come from MNNQ_PLUGIN_PATH here.
  std::string legacy = "env MNNQ_PLUGIN_PATH=" + shellQuote(fakeDir()) + " " + shellQuote(MNNQ_EXE) +
                       " missing.mnn out.mnn " + shellQuote(cfg);
  CommandResult l = runShell(legacy);
  CHECK(l.status == 1);
  std::string bad = writeConfig("bad.json", jsonConfig(", \"widht\": 3"));
  CommandResult lb = runShell("env MNNQ_PLUGIN_PATH=" + shellQuote(fakeDir()) + " " +
                              shellQuote(MNNQ_EXE) + " in.mnn out.mnn " + shellQuote(bad));
  CHECK(lb.status == 2);
  CHECK_THAT(lb.err, Catch::Contains("unknown key 'widht'; did you mean 'width'?"));
}
