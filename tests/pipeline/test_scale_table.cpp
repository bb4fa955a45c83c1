// Scale tables (core/pipeline/scale_table.hpp): every run writes <output>.table.json; a run with
// `scales_from` quantizes from it without calibrating. The round trip must give the same model
// bytes; an edited entry must change exactly that tensor's parameters in the file; every kind
// of bad table must stop the run with a message naming the file and the entry.
#include "pipeline_runner.hpp"

#include "../host/cli_runner.hpp"
#include "fixtures.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace mnnq;
using namespace mnnq::test;

namespace {

std::vector<char> fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

nlohmann::json readJsonFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Tensor index -> (scale, zero, min, max) of every TensorDescribe with quantInfo in a model file.
std::map<int, std::vector<float>> quantInfo(const std::string& model) {
  const Graph graph = Graph::load(model);
  std::map<int, std::vector<float>> out;
  for (const auto& d : graph.net().extraTensorDescribe)
    if (d && d->quantInfo)
      out[d->index] = {d->quantInfo->scale, d->quantInfo->zero, d->quantInfo->min, d->quantInfo->max};
  return out;
}

// Base settings of the round-trip runs: the 32-photo folder, equalisation and bias correction
// on, a short evaluation.
nlohmann::json base(const std::string& method) {
  return {{"path", "calib32"},
          {"feature_quantize_method", method},
          {"cross_layer_equalization", true},
          {"bias_correction", true},
          {"validation_samples", 4}};
}

std::string tableOf(const PipelineRun& run) { return run.output + ".table.json"; }

// Runs `config` with `table` (a file) as scales_from; returns the ConfigError's message, or ""
// if the run succeeded.
std::string errorWith(const std::string& config, nlohmann::json changes, const std::string& table) {
  changes["scales_from"] = table;
  try {
    runPipeline(config, changes);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a run's scale table read back with scales_from gives the identical model bytes",
          "[pipeline][scale_table][fixtures]") {
  MNNQ_REQUIRE_FIXTURES();
  struct Case {
    const char* config;
    const char* method;
    const char* weights;
  };
  const Case cases[] = {
      {"mnist", "KL", "MAX_ABS"},        {"rfb320", "KL", "MAX_ABS"},   {"rfb320", "ADMM", "MAX_ABS"},
      {"rfb320", "EMA", "MAX_ABS"},      {"ppocr_cls", "KL", "MAX_ABS"}, {"ppocr_cls", "EMA", "ADMM"},
      {"blazeface_tf", "ADMM", "ADMM"},
  };
  for (const Case& c : cases) {
    INFO(c.config << " " << c.method << " weights " << c.weights);
    nlohmann::json changes = base(c.method);
    changes["weight_quantize_method"] = c.weights;
    const PipelineRun first = runPipeline(c.config, changes);
    const nlohmann::json table = readJsonFile(tableOf(first));
    CHECK(table["format"] == "mnnq-scale-table");
    CHECK(table["calibration"]["feature_quantize_method"] == c.method);
    CHECK(table["config"]["weight_quantize_method"] == c.weights);
    // Every calibrated tensor is listed once; with parameters exactly as the file carries them.
    CHECK(table["tensors"].size() == first.summary["tensors_calibrated"].get<size_t>());
    const Graph written = Graph::load(first.output);
    const auto info = quantInfo(first.output);
    size_t with_params = 0;
    for (const auto& e : table["tensors"]) {
      if (e.contains("float")) continue;
      ++with_params;
      const int t = written.findTensor(e["name"].get<std::string>());
      REQUIRE(info.count(t));
      CHECK(info.at(t)[0] == static_cast<float>(e["scale"].get<double>()));
      CHECK(info.at(t)[1] == e["zero"].get<float>());
      CHECK(info.at(t)[2] == e["min"].get<float>());
      CHECK(info.at(t)[3] == e["max"].get<float>());
    }
    CHECK(with_params == info.size());
    // Bias correction was on: every corrected convolution's input has its means in the table.
    CHECK(table["bias_correction"].size() > 0);
    if (std::string(c.config) == "rfb320") CHECK(table["equalization"].size() == 10);

    changes["scales_from"] = tableOf(first);
    const PipelineRun second = runPipeline(c.config, changes);
    CHECK(second.summary["scales_from"] == tableOf(first));
    // No calibration pass, no equalisation or bias-correction measurement ran.
    for (const auto& p : second.summary["phases"]) {
      const std::string name = p["phase"];
      CHECK(name.rfind("calibrate", 0) != 0);
      CHECK(name != "equalize");
      CHECK(name != "bias correction");
    }
    CHECK(second.summary["equalized_pairs"] == first.summary["equalized_pairs"]);
    CHECK(second.summary["biases_corrected"] == first.summary["biases_corrected"]);
    // The quality evaluation still runs on the model from the table.
    CHECK(second.report["quality"]["samples"].get<int>() > 0);
    const std::vector<char> a = fileBytes(first.output), b = fileBytes(second.output);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size()) == 0);
    // The second run's table is the first's (same parameters, same facts).
    CHECK(readJsonFile(tableOf(second)) == table);
  }
}

TEST_CASE("an edited scale changes exactly that tensor's parameters in the written model",
          "[pipeline][scale_table][fixtures]") {
  MNNQ_REQUIRE_FIXTURES();
  const PipelineRun first = runPipeline("rfb320", base("KL"));
  nlohmann::json table = readJsonFile(tableOf(first));
  // A tensor in the middle of the network that has parameters.
  size_t k = table["tensors"].size() / 2;
  while (table["tensors"][k].contains("float")) ++k;
  const std::string name = table["tensors"][k]["name"];
  const double old_scale = table["tensors"][k]["scale"];
  const double new_scale = old_scale * 1.5;
  table["tensors"][k]["scale"] = new_scale;
  const std::string edited = tempDir("table") + "/edited.table.json";
  writeText(edited, table.dump(1));

  nlohmann::json changes = base("KL");
  changes["scales_from"] = edited;
  const PipelineRun second = runPipeline("rfb320", changes);
  const auto before = quantInfo(first.output), after = quantInfo(second.output);
  const int edited_tensor = Graph::load(first.output).findTensor(name);
  REQUIRE(before.size() == after.size());
  int changed = 0;
  for (const auto& [t, p] : before) {
    REQUIRE(after.count(t));
    if (after.at(t) == p) continue;
    ++changed;
    CHECK(t == edited_tensor);
    CHECK(after.at(t)[0] == static_cast<float>(new_scale));
    CHECK(after.at(t)[1] == p[1]);
    CHECK(after.at(t)[2] == p[2]);
    CHECK(after.at(t)[3] == p[3]);
  }
  CHECK(changed == 1);
  CHECK(fileBytes(first.output) != fileBytes(second.output));
}

TEST_CASE("bad scale tables stop the run naming the file and the entry", "[pipeline][scale_table][fixtures]") {
  MNNQ_REQUIRE_FIXTURES();
  nlohmann::json changes = base("KL");
  // One calibrated run for all sections (Catch enters the test case once per section).
  static const PipelineRun first = runPipeline("rfb320", changes);
  const nlohmann::json good = readJsonFile(tableOf(first));
  const std::string dir = tempDir("badtable");
  int n = 0;
  // Writes the table with `edit` applied and returns the run's error message.
  auto errorFor = [&](const std::function<void(nlohmann::json&)>& edit, nlohmann::json run_changes = nullptr) {
    nlohmann::json t = good;
    edit(t);
    const std::string path = dir + "/t" + std::to_string(n++) + ".json";
    writeText(path, t.dump(1));
    return std::make_pair(path, errorWith("rfb320", run_changes.is_null() ? changes : run_changes, path));
  };
  // The first entry with parameters, and its name.
  size_t k = 0;
  while (good["tensors"][k].contains("float")) ++k;
  const std::string entry = "tensors[" + std::to_string(k) + "] '" + good["tensors"][k]["name"].get<std::string>() + "'";

  SECTION("unknown tensor name") {
    auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"][k]["name"] = "no_such_tensor"; });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("tensors[" + std::to_string(k) + "] 'no_such_tensor'") &&
                            Catch::Contains("no tensor named"));
  }
  SECTION("a calibrated tensor missing") {
    const std::string name = good["tensors"][k]["name"];
    auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"].erase(k); });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("no entry for calibrated tensor '" + name + "'"));
  }
  SECTION("a tensor listed twice") {
    auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"].push_back(t["tensors"][k]); });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("listed twice"));
  }
  SECTION("non-finite scale") {
    // JSON has no infinity; a number too large for a double reads as one.
    nlohmann::json t = good;
    t["tensors"][k]["scale"] = 12345.0;
    std::string text = t.dump(1);
    text.replace(text.find("12345.0"), 7, "1e999");
    const std::string path = dir + "/inf.json";
    writeText(path, text);
    const std::string message = errorWith("rfb320", changes, path);
    // The table's lines are its entries: the line of the entry is named.
    const std::string line = std::to_string(1 + std::count(text.begin(), text.begin() + text.find("1e999"), '\n'));
    CHECK_THAT(message, Catch::Contains(path + ":" + line + ":") && Catch::Contains("number '1e999' is out of range"));
  }
  SECTION("scale zero or negative") {
    for (double scale : {0.0, -0.5, 1e-50}) {
      auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"][k]["scale"] = scale; });
      CHECK_THAT(message, Catch::Contains(path) && Catch::Contains(entry) && Catch::Contains("'scale' must be > 0"));
    }
  }
  SECTION("zero point out of range or not an integer") {
    for (double zero : {128.0, -129.0, 0.5}) {
      auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"][k]["zero"] = zero; });
      CHECK_THAT(message, Catch::Contains(path) && Catch::Contains(entry) &&
                              Catch::Contains("'zero' must be an integer in [-128, 127]"));
    }
  }
  SECTION("min above max") {
    auto [path, message] = errorFor([&](nlohmann::json& t) {
      t["tensors"][k]["min"] = 10;
      t["tensors"][k]["max"] = -10;
    });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains(entry) && Catch::Contains("'min' must be below 'max'"));
  }
  SECTION("a missing or unknown field") {
    auto [path, message] = errorFor([&](nlohmann::json& t) { t["tensors"][k].erase("zero"); });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains(entry) && Catch::Contains("missing field 'zero'"));
    auto [path2, message2] = errorFor([&](nlohmann::json& t) { t["tensors"][k]["scal"] = 1.0; });
    CHECK_THAT(message2, Catch::Contains(path2) && Catch::Contains("unknown field 'scal'; did you mean 'scale'?"));
  }
  SECTION("a table of another model") {
    const PipelineRun mnist = runPipeline("mnist", {{"path", "calib32"}, {"validation_samples", 0}});
    const std::string message = errorWith("rfb320", changes, tableOf(mnist));
    CHECK_THAT(message, Catch::Contains(tableOf(mnist)) && Catch::Contains("model_fingerprint") &&
                            Catch::Contains("another model") && Catch::Contains("mnist.mnn"));
  }
  SECTION("a table made with other weight settings") {
    nlohmann::json four_bits = changes;
    four_bits["quant_bits"] = 4;
    const std::string message = errorWith("rfb320", four_bits, tableOf(first));
    CHECK_THAT(message, Catch::Contains(tableOf(first)) && Catch::Contains("config.quant_bits") &&
                            Catch::Contains("made with 8, this run uses 4"));
    nlohmann::json admm = changes;
    admm["weight_quantize_method"] = "ADMM";
    CHECK_THAT(errorWith("rfb320", admm, tableOf(first)), Catch::Contains("config.weight_quantize_method"));
    nlohmann::json skip = changes;
    skip["skip_quant_op_names"] = {"245"};
    CHECK_THAT(errorWith("rfb320", skip, tableOf(first)), Catch::Contains("config.skip_quant_op_names"));
  }
  SECTION("bad equalisation and bias-correction entries") {
    auto [path, message] = errorFor([&](nlohmann::json& t) { t["equalization"][0]["factors"][2] = 0.0; });
    CHECK_THAT(message, Catch::Contains(path) && Catch::Contains("equalization[0] '") &&
                            Catch::Contains("factor 2 must be a finite number > 0"));
    auto [path2, message2] = errorFor([&](nlohmann::json& t) { t["equalization"][0]["tensor"] = good["tensors"][0]["name"]; });
    CHECK_THAT(message2, Catch::Contains(path2) && Catch::Contains("not the middle tensor of a conv -> depthwise pair"));
    auto [path3, message3] = errorFor([&](nlohmann::json& t) { t["bias_correction"][1]["means"].erase(0); });
    CHECK_THAT(message3, Catch::Contains(path3) && Catch::Contains("bias_correction[1] '") && Catch::Contains("means, the tensor has"));
  }
  SECTION("not a table") {
    const std::string path = dir + "/broken.json";
    writeText(path, "{\"format\": \"mnnq-scale-table\", ");
    CHECK_THAT(errorWith("rfb320", changes, path), Catch::Contains(path + ":1:") && Catch::Contains("invalid JSON") &&
                                                       Catch::Contains("(reading the scale table)"));
    CHECK_THAT(errorWith("rfb320", changes, dir + "/absent.json"),
               Catch::Contains(dir + "/absent.json: the scale table (key 'scales_from') does not exist"));
    CHECK_THAT(errorWith("rfb320", changes, dir), Catch::Contains("is a folder, not a regular file"));
    const std::string fifo = dir + "/fifo.json";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THAT(errorWith("rfb320", changes, fifo), Catch::Contains("is a FIFO (named pipe), not a regular file"));
    const std::string twice = dir + "/twice.json";
    std::string text = good.dump(1);
    text.insert(text.find('{') + 1, "\"version\": 1,");
    writeText(twice, text);
    CHECK_THAT(errorWith("rfb320", changes, twice), Catch::Contains("key 'version' appears twice"));
  }
}

TEST_CASE("mnnq run with a bad scale table exits 2 and writes nothing, paths relative to the config",
          "[pipeline][scale_table][fixtures]") {
  MNNQ_REQUIRE_FIXTURES();
  const PipelineRun first = runPipeline("mnist", base("KL"));
  nlohmann::json table = readJsonFile(tableOf(first));
  const std::string dir = tempDir("cli");
  std::ofstream(dir + "/t.table.json") << table.dump(1);
  nlohmann::json config = readJsonFile(fixture("configs/mnist.json"));
  config["model"] = fixture("configs/" + config["model"].get<std::string>());
  config["path"] = fixture("images/calib32");
  config["validation_samples"] = 4;
  config["output"] = "out.mnn";
  config["scales_from"] = "t.table.json";  // relative to the config's folder
  std::ofstream(dir + "/c.json") << config.dump(1);
  const std::string run = shellQuote(MNNQ_EXE) + " run -q --config " + shellQuote(dir + "/c.json");
  CommandResult ok = runShell("cd / && " + run);
  INFO(ok.err);
  REQUIRE(ok.status == 0);
  CHECK(fileBytes(dir + "/out.mnn") == fileBytes(first.output));

  table["tensors"][0]["scale"] = -1.0;
  std::ofstream(dir + "/t.table.json", std::ios::trunc) << table.dump(1);
  config["output"] = "out2.mnn";
  std::ofstream(dir + "/c.json", std::ios::trunc) << config.dump(1);
  CommandResult bad = runShell("cd / && " + run);
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err, Catch::StartsWith("mnnq run: error: " + dir + "/t.table.json: tensors[0] '") &&
                          Catch::Contains("'scale' must be > 0"));
  CHECK_FALSE(std::ifstream(dir + "/out2.mnn").good());
  CHECK_FALSE(std::ifstream(dir + "/out2.mnn.table.json").good());

  config["target_cosine"] = 0.99;
  std::ofstream(dir + "/c.json", std::ios::trunc) << config.dump(1);
  CommandResult both = runShell("cd / && " + run);
  CHECK(both.status == 2);
  CHECK_THAT(both.err, Catch::Contains("'scales_from' and 'target_cosine' cannot be combined"));
}

TEST_CASE("a target run's table reproduces the model the search chose", "[pipeline][scale_table][fixtures]") {
  MNNQ_REQUIRE_FIXTURES();
  // mnist cannot reach 0.99999 in-sample with KL alone: the search changes the calibration or
  // leaves ops float, so the written model is not the configured calibration's.
  const PipelineRun run =
      runPipeline("mnist", {{"path", "calib32"}, {"validation_samples", 8}, {"target_cosine", 0.99999}});
  const nlohmann::json& target = run.report["target"];
  REQUIRE((target["method"] != "KL" || !target["ops_left_float"].empty()));
  const nlohmann::json table = readJsonFile(tableOf(run));
  CHECK_THAT(table["calibration"]["chosen_by"].get<std::string>(), Catch::Contains("target_cosine"));
  // The ops the search left float are in the table's skip list; a run from the table needs it.
  std::vector<std::string> skip = table["config"]["skip_quant_op_names"];
  CHECK(skip.size() == target["ops_left_float"].size());
  const PipelineRun again = runPipeline(
      "mnist", {{"path", "calib32"}, {"validation_samples", 8}, {"scales_from", tableOf(run)}, {"skip_quant_op_names", skip}});
  CHECK(fileBytes(again.output) == fileBytes(run.output));
  // Without that list the table is refused.
  if (!skip.empty())
    CHECK_THAT(errorWith("mnist", {{"path", "calib32"}, {"validation_samples", 8}}, tableOf(run)),
               Catch::Contains("config.skip_quant_op_names"));
}
