// Reading config files: JSON and YAML into the same object, errors located by line and column.
#include "fixtures.hpp"

#include "mnnq/core/config.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace mnnq;
using nlohmann::json;

namespace {

std::string errorOf(const std::string& text, ConfigFormat format) {
  try {
    parseConfigText(text, format, "cfg");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string writeFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a JSON syntax error names the file, line and column") {
  // Line 3 is `  "b": ,` and the stray comma is its 8th character.
  std::string what = errorOf("{\n  \"a\": 1,\n  \"b\": ,\n}\n", ConfigFormat::Json);
  CHECK_THAT(what, Catch::StartsWith("cfg:3:8: invalid JSON: "));
  // A missing closing brace is found at the end of the text: line 3 (after the last newline).
  CHECK_THAT(errorOf("{\n\"a\": 1\n", ConfigFormat::Json), Catch::StartsWith("cfg:3:1: invalid JSON"));
  CHECK_THAT(errorOf("", ConfigFormat::Json), Catch::StartsWith("cfg:1:1: invalid JSON"));
}

TEST_CASE("a YAML syntax error names the file, line and column") {
  // The second ':' on line 1 is its 11th character.
  CHECK(errorOf("key: value: other\n", ConfigFormat::Yaml) == "cfg:1:11: invalid YAML: illegal map value");
  // Line 2 is indented one space, so `b:` is a map value where none is allowed; ':' at column 3.
  CHECK(errorOf("a: 1\n b: 2\n", ConfigFormat::Yaml) == "cfg:2:3: invalid YAML: illegal map value");
}

TEST_CASE("the top level must be an object; duplicate keys are errors") {
  CHECK_THAT(errorOf("[1, 2]", ConfigFormat::Json), Catch::Contains("must be a JSON object"));
  CHECK_THAT(errorOf("- a\n- b\n", ConfigFormat::Yaml), Catch::Contains("must be a YAML mapping"));
  CHECK_THAT(errorOf("", ConfigFormat::Yaml), Catch::Contains("found nothing"));
  CHECK(errorOf("{\"a\": 1, \"a\": 2}", ConfigFormat::Json) == "cfg: key 'a' appears twice in one object");
  CHECK(errorOf("a: 1\nb: 2\na: 3\n", ConfigFormat::Yaml) == "cfg:3:1: key 'a' appears twice in one mapping");
}

TEST_CASE("YAML plain scalars follow the YAML 1.2 core schema, quoted ones stay strings") {
  json v = parseConfigText(
      "i: 127\nneg: -3\nf: 1.5\ne: 1e3\nq: '127'\ndq: \"true\"\nt: true\nT: True\nn: ~\nnull2: null\n"
      "yes_word: yes\nword: BGR\nlist: [1, 2.5, x]\n",
      ConfigFormat::Yaml, "cfg");
  CHECK(v["i"] == json(127));
  CHECK(v["i"].is_number_integer());
  CHECK(v["neg"] == json(-3));
  CHECK(v["f"] == json(1.5));
  CHECK(v["e"] == json(1000.0));
  CHECK(v["q"] == json("127"));
  CHECK(v["dq"] == json("true"));
  CHECK(v["t"] == json(true));
  CHECK(v["T"] == json(true));
  CHECK(v["n"].is_null());
  CHECK(v["null2"].is_null());
  CHECK(v["yes_word"] == json("yes"));  // YAML 1.1's boolean "yes" is a string in 1.2
  CHECK(v["word"] == json("BGR"));
  CHECK(v["list"] == json::parse("[1, 2.5, \"x\"]"));
  CHECK_THAT(errorOf("a: .inf\n", ConfigFormat::Yaml), Catch::StartsWith("cfg:1:4: '.inf'"));
}

TEST_CASE("the same settings in JSON and YAML parse to the identical object") {
  const char* json_text = R"({
    "model": "m.mnn", "format": "RGB", "mean": [127.5, 127.5, 127.5], "normal": [0.0078125, 0.0078125, 0.0078125],
    "width": 128, "height": 128, "center_crop_h": 0.5, "path": "images", "used_image_num": 10,
    "feature_quantize_method": "KL", "weight_quantize_method": "MAX_ABS", "feature_clamp_value": 127,
    "weight_clamp_value": 127, "batch_size": 4, "quant_bits": 8, "winogradOpt": false,
    "skip_quant_op_names": ["conv1", "fc"], "input_type": "image", "debug": true,
    "inputs": [{"name": "data", "shape": [1, 3, 128, 128]}]
  })";
  const char* yaml_text = R"(# the same run in YAML
model: m.mnn
format: RGB
mean: [127.5, 127.5, 127.5]
normal:
  - 0.0078125
  - 0.0078125
  - 0.0078125
width: 128
height: 128
center_crop_h: 0.5
path: images
used_image_num: 10
feature_quantize_method: KL
weight_quantize_method: MAX_ABS
feature_clamp_value: 127
weight_clamp_value: 127
batch_size: 4
quant_bits: 8
winogradOpt: false
skip_quant_op_names: [conv1, fc]
input_type: image
debug: true
inputs:
  - name: data
    shape: [1, 3, 128, 128]
)";
  json a = parseConfigText(json_text, ConfigFormat::Json, "a.json");
  json b = parseConfigText(yaml_text, ConfigFormat::Yaml, "b.yaml");
  CHECK(a == b);
  CHECK(a.dump() == b.dump());
}

TEST_CASE("the format is chosen by extension and files are read whole") {
  CHECK(configFormatFor("x.json") == ConfigFormat::Json);
  CHECK(configFormatFor("x.YAML") == ConfigFormat::Yaml);
  CHECK(configFormatFor("dir.d/x.yml") == ConfigFormat::Yaml);
  CHECK_THROWS_WITH(configFormatFor("x.txt"), Catch::Contains("unknown config format '.txt'"));
  std::string dir = test::tempDir("parse");
  std::string path = writeFile(dir, "c.yaml", "width: 3\n");
  ConfigFile file = loadConfigFile(path);
  CHECK(file.values == json{{"width", 3}});
  CHECK(file.folder == dir);
  CHECK_THROWS_WITH(loadConfigFile(dir + "/missing.json"), Catch::Contains("cannot open config file"));
  std::string bad = writeFile(dir, "bad.json", "{\"a\": tru}");
  // The literal `tru` is found wrong when the lexer reads '}', the 10th character.
  CHECK_THROWS_WITH(loadConfigFile(bad), Catch::StartsWith(bad + ":1:10: invalid JSON"));
}
