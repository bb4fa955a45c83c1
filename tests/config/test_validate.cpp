// Validation against declared keys: every host key, every MNN key, every kind of bad value.
#include "fixtures.hpp"

#include "mnnq/core/config.hpp"

#include <mnnq/plugin.hpp>

#include <catch2/catch.hpp>

using namespace mnnq;
using nlohmann::json;

namespace {

// The keys MNN's tool reads that plugins (not the host) declare, declared here the way the
// image input and EMA plugins do, so this test does not depend on their libraries.
const char* const kFormats[] = {"RGB", "BGR", "RGBA", "BGRA", "GRAY"};
const mnnq_config_key kImageLike[] = {
    mnnq::sdk::choiceKey("format", "\"BGR\"", "pixel format", kFormats),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER_LIST, "mean", "[0,0,0,0]", "mean"),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER_LIST, "normal", "[1,1,1,1]", "normal"),
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "width", nullptr, "width", mnnq::sdk::kBounded, 1, 65535),
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "height", nullptr, "height", mnnq::sdk::kBounded, 1, 65535),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER, "center_crop_h", "1.0", "crop", mnnq::sdk::kBounded, 0, 1),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER, "center_crop_w", "1.0", "crop", mnnq::sdk::kBounded, 0, 1),
};
const mnnq_config_key kEmaLike[] = {
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "batch_size", nullptr, "batch", mnnq::sdk::kBounded, 1, 4096),
    mnnq::sdk::makeKey(MNNQ_VALUE_BOOL, "winogradOpt", "true", "winograd"),
};
const mnnq_config_key kTypes[] = {
    mnnq::sdk::makeKey(MNNQ_VALUE_INT_LIST, "an_int_list", "[1]", "ints", mnnq::sdk::kBounded, 0, 10),
    mnnq::sdk::makeKey(MNNQ_VALUE_JSON, "any", nullptr, "anything"),
};

ConfigSchema schema(bool ema_active = true) {
  ConfigSchema s;
  s.active = hostConfigKeys();
  for (const auto& k : kImageLike) s.active.push_back(toConfigKeySpec(k, "image"));
  for (const auto& k : kTypes) s.active.push_back(toConfigKeySpec(k, "types"));
  for (const auto& k : kEmaLike)
    (ema_active ? s.active : s.passive).push_back(toConfigKeySpec(k, "EMA"));
  return s;
}

std::string errorOf(const json& raw, bool ema_active = true) {
  try {
    validateConfig(raw, "cfg.json", "/base", schema(ema_active));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("every key MNN's tool reads is accepted with its MNN-style value") {
  json raw = json::parse(R"({
    "format": "RGB", "mean": [127.5, 127.5, 127.5], "normal": [0.00784, 0.00784, 0.00784],
    "width": 224, "height": 224, "center_crop_h": 0.875, "center_crop_w": 0.875,
    "path": "calib", "used_image_num": 100, "used_sample_num": 50,
    "feature_quantize_method": "EMA", "weight_quantize_method": "ADMM",
    "feature_clamp_value": 127, "weight_clamp_value": 127, "batch_size": 32, "quant_bits": 8,
    "winogradOpt": false, "skip_quant_op_names": ["fc1"], "input_type": "image",
    "inputs": [{"name": "data", "shape": [1, 3, 224, 224], "value": 0}], "debug": true,
    "model": "float.mnn", "output": "/abs/out.mnn", "threads": 2, "shards": 4
  })");
  ValidatedConfig v = validateConfig(raw, "cfg.json", "/base/dir", schema());
  CHECK(v.notes.empty());
  for (const auto& [key, value] : raw.items())
    if (!isPathKey(key)) CHECK(v.values.at(key) == value);
  CHECK(v.values["path"] == "/base/dir/calib");     // relative: against the config's folder
  CHECK(v.values["model"] == "/base/dir/float.mnn");
  CHECK(v.values["output"] == "/abs/out.mnn");      // absolute: unchanged
}

TEST_CASE("defaults come from the declarations; keys without default stay absent") {
  ValidatedConfig v = validateConfig(json::object(), "cfg.json", "/base", schema());
  CHECK(v.values["feature_quantize_method"] == "KL");
  CHECK(v.values["weight_quantize_method"] == "MAX_ABS");
  CHECK(v.values["input_type"] == "image");
  CHECK(v.values["quant_bits"] == 8);
  CHECK(v.values["feature_clamp_value"] == 127);
  CHECK(v.values["skip_quant_op_names"] == json::array());
  CHECK(v.values["debug"] == false);
  CHECK(v.values["used_image_num"] == 0);
  CHECK(v.values["threads"] == 0);
  CHECK(v.values["format"] == "BGR");
  CHECK(v.values["mean"] == json::parse("[0,0,0,0]"));
  CHECK(v.values["center_crop_w"] == 1.0);
  CHECK(v.values["winogradOpt"] == true);
  for (const char* absent : {"model", "output", "path", "width", "height", "batch_size",
                             "weight_clamp_value", "any"})
    CHECK_FALSE(v.values.contains(absent));
}

TEST_CASE("an unknown key is an error with the closest known key") {
  CHECK(errorOf({{"fromat", "RGB"}}) == "cfg.json: unknown key 'fromat'; did you mean 'format'?");
  CHECK(errorOf({{"feature_quant_method", "KL"}}) ==
        "cfg.json: unknown key 'feature_quant_method'; did you mean 'feature_quantize_method'?");
  CHECK(errorOf({{"Width", 3}}) == "cfg.json: unknown key 'Width'; did you mean 'width'?");
  CHECK_THAT(errorOf({{"zzzzzz", 1}}), Catch::StartsWith("cfg.json: unknown key 'zzzzzz' (mnnq plugins"));
}

TEST_CASE("a key only an unselected plugin reads is accepted, checked and noted") {
  ValidatedConfig v = validateConfig({{"batch_size", 8}}, "cfg.json", "/b", schema(false));
  CHECK(v.values["batch_size"] == 8);
  CHECK_FALSE(v.values.contains("winogradOpt"));  // no defaults for unselected plugins
  REQUIRE(v.notes.size() == 1);
  CHECK(v.notes[0] == "key 'batch_size' is read only by EMA, which this run does not use; it has no effect");
  CHECK(errorOf({{"batch_size", 0}}, false) ==
        "cfg.json: key 'batch_size': expected an integer in [1, 4096], given 0 (declared by plugin EMA)");
}

TEST_CASE("wrong types name the key, what was expected and what was given") {
  CHECK(errorOf({{"width", "224"}}) ==
        "cfg.json: key 'width': expected an integer in [1, 65535], given \"224\" (declared by plugin image)");
  CHECK(errorOf({{"width", 22.5}}) ==
        "cfg.json: key 'width': expected an integer in [1, 65535], given 22.5 (declared by plugin image)");
  CHECK(errorOf({{"debug", 1}}) == "cfg.json: key 'debug': expected true or false, given 1");
  CHECK(errorOf({{"model", 3}}) == "cfg.json: key 'model': expected a string, given 3");
  CHECK(errorOf({{"mean", 127}}) ==
        "cfg.json: key 'mean': expected a list of numbers, given 127 (declared by plugin image)");
  CHECK(errorOf({{"mean", {1, "a"}}}) ==
        "cfg.json: key 'mean': expected a list of numbers, given [1,\"a\"] (element 1 is \"a\") "
        "(declared by plugin image)");
  CHECK(errorOf({{"skip_quant_op_names", "conv1"}}) ==
        "cfg.json: key 'skip_quant_op_names': expected a list of strings, given \"conv1\"");
  CHECK(errorOf({{"skip_quant_op_names", {"a", 2}}}) ==
        "cfg.json: key 'skip_quant_op_names': expected a list of strings, given [\"a\",2] (element 1 is 2)");
  CHECK(errorOf({{"an_int_list", {1, 2.5}}}) ==
        "cfg.json: key 'an_int_list': expected a list of integers each in [0, 10], given [1,2.5] "
        "(element 1 is 2.5) (declared by plugin types)");
  CHECK(errorOf({{"threads", nullptr}}) ==
        "cfg.json: key 'threads': expected an integer in [0, 1024], given null");
  CHECK(errorOf({{"any", {{"x", {1, 2}}}}}) == "(no error)");
  CHECK(errorOf({{"feature_clamp_value", 127.0}}) == "(no error)");  // integral number
}

TEST_CASE("out-of-range values name the key, the range and the value") {
  CHECK(errorOf({{"quant_bits", 9}}) == "cfg.json: key 'quant_bits': expected an integer in [2, 8], given 9");
  CHECK(errorOf({{"quant_bits", 1}}) == "cfg.json: key 'quant_bits': expected an integer in [2, 8], given 1");
  CHECK(errorOf({{"feature_clamp_value", 128}}) ==
        "cfg.json: key 'feature_clamp_value': expected an integer in [1, 127], given 128");
  CHECK(errorOf({{"weight_clamp_value", 0}}) ==
        "cfg.json: key 'weight_clamp_value': expected an integer in [1, 127], given 0");
  CHECK(errorOf({{"center_crop_h", 1.5}}) ==
        "cfg.json: key 'center_crop_h': expected a number in [0, 1], given 1.5 (declared by plugin image)");
  CHECK(errorOf({{"used_image_num", -1}}) ==
        "cfg.json: key 'used_image_num': expected an integer in [0, 1000000000000], given -1");
  CHECK(errorOf({{"threads", 5000}}) == "cfg.json: key 'threads': expected an integer in [0, 1024], given 5000");
  CHECK(errorOf({{"shards", 0}}) == "cfg.json: key 'shards': expected an integer in [1, 4096], given 0");
  CHECK(errorOf({{"an_int_list", {11}}}) ==
        "cfg.json: key 'an_int_list': expected a list of integers each in [0, 10], given [11] "
        "(element 0 is 11) (declared by plugin types)");
}

TEST_CASE("an unknown format is an error listing the formats") {
  CHECK(errorOf({{"format", "BRG"}}) ==
        "cfg.json: key 'format': expected one of RGB, BGR, RGBA, BGRA, GRAY, given \"BRG\" "
        "(declared by plugin image)");
  CHECK(errorOf({{"format", "rgb"}}) != "(no error)");  // case-sensitive, like MNN
  for (const char* ok : {"RGB", "BGR", "RGBA", "BGRA", "GRAY"}) CHECK(errorOf({{"format", ok}}) == "(no error)");
}

TEST_CASE("an empty path is an error") {
  CHECK(errorOf({{"path", ""}}) == "cfg.json: key 'path' is an empty path");
}

TEST_CASE("key declarations: explicit choices and one-sided bounds, bad declarations refused") {
  const char* const modes[] = {"a", "b"};
  mnnq_config_key enum_key = mnnq::sdk::stringListKey("mode", "[\"a\"]", "{x|y} modes", modes);
  ConfigKeySpec spec = toConfigKeySpec(enum_key, "p");
  CHECK(spec.choices == std::vector<std::string>{"a", "b"});
  CHECK(spec.help == "{x|y} modes");  // help is plain text: no markup is parsed any more
  CHECK(checkValue(spec, json::parse("[\"b\",\"a\"]")).empty());
  CHECK(checkValue(spec, json::parse("[\"c\"]")) ==
        "expected a list of strings, each one of a, b, given [\"c\"] (element 0 is \"c\")");
  mnnq_config_key no_name = mnnq::sdk::makeKey(MNNQ_VALUE_INT, "", nullptr, "");
  CHECK_THROWS_WITH(toConfigKeySpec(no_name, "p"), "a config key has no name");
  mnnq_config_key bad_json = mnnq::sdk::makeKey(MNNQ_VALUE_INT, "k", "{", "");
  CHECK_THROWS_WITH(toConfigKeySpec(bad_json, "p"), "config key 'k' has a default that is not JSON: {");
  mnnq_config_key out_of_range = mnnq::sdk::makeKey(MNNQ_VALUE_INT, "k", "20", "", mnnq::sdk::kBounded, 0, 10);
  CHECK_THROWS_WITH(toConfigKeySpec(out_of_range, "p"),
                    "config key 'k' has a bad default: expected an integer in [0, 10], given 20");
  mnnq_config_key bad_type = mnnq::sdk::makeKey(static_cast<mnnq_value_type>(42), "k", nullptr, "");
  CHECK_THROWS_WITH(toConfigKeySpec(bad_type, "p"), "config key 'k' has unknown type 42");
  // Only a minimum: no upper bound, and no "min > max means unbounded" convention.
  mnnq_config_key at_least = mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER, "k", nullptr, "",
                                                MNNQ_KEY_HAS_MIN, 5, 1);
  ConfigKeySpec min_only = toConfigKeySpec(at_least, "p");
  CHECK(checkValue(min_only, json(1e30)).empty());
  CHECK(checkValue(min_only, json(4)) == "expected a number >= 5, given 4");
  mnnq_config_key empty_range =
      mnnq::sdk::makeKey(MNNQ_VALUE_INT, "k", nullptr, "", mnnq::sdk::kBounded, 5, 1);
  CHECK_THROWS_WITH(toConfigKeySpec(empty_range, "p"),
                    "config key 'k' has an empty or non-finite range");
  mnnq_config_key int_choices = mnnq::sdk::makeKey(MNNQ_VALUE_INT, "k", nullptr, "", 0, 0, 0,
                                                   modes, 2);
  CHECK_THROWS_WITH(toConfigKeySpec(int_choices, "p"),
                    "config key 'k' has choices but is not a string or list of strings");
}

TEST_CASE("a host key has one default and one range, whatever a plugin re-declares") {
  // A plugin re-declaring weight_clamp_value with default 127 (as MAX_ABS did before ABI 2); the
  // host derives the default from quant_bits, so no default may appear here.
  mnnq_config_key weight_keys[] = {mnnq::sdk::makeKey(MNNQ_VALUE_INT, "weight_clamp_value", "127",
                                                      "clamp", mnnq::sdk::kBounded, 1, 127)};
  ConfigSchema s;
  s.active = hostConfigKeys();
  s.active.push_back(toConfigKeySpec(weight_keys[0], "MAX_ABS"));
  ValidatedConfig v = validateConfig(json::object(), "cfg.json", "/b", s);
  CHECK_FALSE(v.values.contains("weight_clamp_value"));
  // A narrower re-declaration does not narrow the host's range [2, 8]; the host's range still
  // applies, with the host's message.
  mnnq_config_key narrow[] = {
      mnnq::sdk::makeKey(MNNQ_VALUE_INT, "quant_bits", "8", "bits", mnnq::sdk::kBounded, 4, 8)};
  s.active.push_back(toConfigKeySpec(narrow[0], "NARROW"));
  CHECK(validateConfig({{"quant_bits", 3}}, "cfg.json", "/b", s).values["quant_bits"] == 3);
  CHECK_THROWS_WITH(validateConfig({{"quant_bits", 9}}, "cfg.json", "/b", s),
                    "cfg.json: key 'quant_bits': expected an integer in [2, 8], given 9");
  // The same holds for a plugin the run does not use: the key is the host's, not "read only by".
  ConfigSchema p;
  p.active = hostConfigKeys();
  p.passive.push_back(toConfigKeySpec(narrow[0], "NARROW"));
  CHECK(validateConfig({{"quant_bits", 3}}, "cfg.json", "/b", p).notes.empty());
}
