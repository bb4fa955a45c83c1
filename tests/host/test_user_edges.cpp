// What a new user meets on the command line (issue 15): inspect --ops, the reasons when every
// sample is rejected, the quantized.out form with run's options, an already quantized model,
// infer's int8 default, units in the summary.
#include "cli_runner.hpp"
#include "fixtures.hpp"

#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <boost/filesystem.hpp>

#include <fstream>
#include <initializer_list>
#include <set>

using namespace mnnq::test;

namespace {

CommandResult cli(std::initializer_list<std::string> args) {
  std::string command = "env -u MNNQ_PLUGIN_PATH " + shellQuote(MNNQ_EXE);
  for (const auto& arg : args) command += " " + shellQuote(arg);
  return runShell(command);
}

// The shared mnist config with absolute paths and the 32-photo folder, in `dir`.
std::string mnistConfig(const std::string& dir, const std::string& images = "") {
  const std::string source = fixture("configs/mnist.json");
  std::ifstream in(source);
  nlohmann::json config = nlohmann::json::parse(in);
  config["model"] = fixture("models/mnist_lenet/mnist.mnn");
  config["path"] = images.empty() ? fixture("images/calib32") : images;
  const std::string path = dir + "/mnist.json";
  std::ofstream(path) << config.dump(1);
  return path;
}

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("inspect --ops lists every op with the names MNN's own scale dump uses") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string model = fixture("models/mnist_lenet/mnist.mnn");
  CommandResult json = cli({"inspect", model, "--ops", "--json"});
  REQUIRE(json.status == 0);
  const nlohmann::json report = nlohmann::json::parse(json.out);
  const nlohmann::json& ops = report["op_list"];
  REQUIRE(ops.size() == report["ops"].get<size_t>());
  // quantized.out's quant.mnn.json names the float model's ops (Raster ops excepted).
  std::set<std::string> names;
  for (const auto& op : ops) names.insert(op["name"].get<std::string>());
  for (const auto& entry : readJson(fixture("mnn_quantized/mnist/KL/quant.mnn.json")))
    CHECK(names.count(entry["name"].get<std::string>()) == 1);
  // LeNet as converted: Input, then conv / pool twice, two more convolutions, flatten.
  CHECK(ops[0]["type"] == "Input");
  CHECK(ops[1]["type"] == "Convolution");
  CHECK(ops[1]["inputs"] == nlohmann::json::array({"0"}));
  CHECK(ops[2]["type"] == "Pooling");
  CHECK(ops[2]["inputs"] == ops[1]["outputs"]);
  for (const auto& op : ops) CHECK(op["quantized"] == false);

  CommandResult text = cli({"inspect", model, "--ops"});
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("skip_quant_op_names"));
  for (const auto& op : ops) CHECK_THAT(text.out, Catch::Contains(op["name"].get<std::string>()));
  CHECK_THAT(cli({"inspect", model}).out, !Catch::Contains("skip_quant_op_names"));

  // MNN's quantized mnist: the convolutions `inspect` counts as int8 are the int8 ops.
  CommandResult q = cli({"inspect", fixture("mnn_quantized/mnist/KL/quant.mnn"), "--ops", "--json"});
  REQUIRE(q.status == 0);
  const nlohmann::json qr = nlohmann::json::parse(q.out);
  int int8_convs = 0;
  for (const auto& op : qr["op_list"]) int8_convs += op["type"] == "Convolution" && op["quantized"] == true;
  CHECK(int8_convs == qr["quantization"]["int8_convolutions"].get<int>());
  CHECK(int8_convs == 3);
}

TEST_CASE("every sample rejected: the error gives the reasons") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("all_rejected");
  boost::filesystem::create_directories(dir + "/images");
  std::ofstream(dir + "/images/a.jpg") << "not a jpeg";
  std::ofstream(dir + "/images/b.jpg") << "not a jpeg either";
  const std::string cfg = mnistConfig(dir, dir + "/images");
  CommandResult r = cli({"run", "--config", cfg, "--output", dir + "/q.mnn", "-q"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("all 2 were skipped: ") && Catch::Contains("2 samples, e.g. a.jpg") &&
                        Catch::Contains("decode"));
  CHECK_FALSE(boost::filesystem::exists(dir + "/q.mnn"));
}

TEST_CASE("the quantized.out form takes run's options and writes the same bytes") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("legacy_options");
  const std::string cfg = mnistConfig(dir);
  const std::string model = fixture("models/mnist_lenet/mnist.mnn");
  CommandResult legacy = cli({model, dir + "/a.mnn", cfg, "-q", "--threads", "1"});
  REQUIRE(legacy.status == 0);
  CHECK(legacy.out.empty());  // -q: no summary
  CommandResult run = cli({"run", "--config", cfg, "--output", dir + "/b.mnn", "--threads", "2"});
  REQUIRE(run.status == 0);
  CHECK(readWhole(dir + "/a.mnn") == readWhole(dir + "/b.mnn"));
  // The summary's rates say what they count.
  CHECK_THAT(run.out, Catch::Contains("samples/s") && Catch::Contains("tensors/s"));
  CommandResult four = cli({model, dir + "/c.mnn", cfg, "extra"});
  CHECK(four.status == 2);
  CommandResult both = cli({model, dir + "/c.mnn", cfg, "--config", cfg});
  CHECK(both.status == 2);
  CHECK_THAT(both.err, Catch::Contains("--config cannot be combined"));
}

TEST_CASE("an already quantized model is refused") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("requantize");
  const std::string cfg = mnistConfig(dir);
  const std::string quantized = fixture("mnn_quantized/mnist/KL/quant.mnn");
  CommandResult r = cli({quantized, dir + "/q.mnn", cfg});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("quant.mnn is already quantized (3 int8 convolution(s)"));
  CHECK_FALSE(boost::filesystem::exists(dir + "/q.mnn"));
}

// MNN's int8 runtime is the reference: the default is the int8 simulation, --dequantized is
// the weights-only figure, which is further from what the file computes in MNN.
TEST_CASE("infer runs a quantized model with int8 semantics by default") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("infer_int8");
  const std::string folder = fixture("references_int8/mnist/KL/faces_ultraface_1");
  const std::string model = fixture("mnn_quantized/mnist/KL/quant.mnn");
  const std::string input = "0=" + folder + "/input.npy";
  REQUIRE(cli({"infer", "--model", model, "--input", input, "--output-dir", dir + "/default"}).status == 0);
  REQUIRE(cli({"infer", "--model", model, "--input", input, "--output-dir", dir + "/int8", "--int8"}).status == 0);
  REQUIRE(cli({"infer", "--model", model, "--input", input, "--output-dir", dir + "/deq", "--dequantized"}).status == 0);
  CHECK(readWhole(dir + "/default/32.npy") == readWhole(dir + "/int8/32.npy"));
  CHECK(readWhole(dir + "/default/32.npy") != readWhole(dir + "/deq/32.npy"));
  CHECK(cli({"infer", "--model", model, "--input", input, "--output-dir", dir + "/x", "--int8",
              "--dequantized"}).status == 2);
}

TEST_CASE("infer simulates MNN's int8 Winograd convolutions, and says when it cannot") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("infer_winograd");
  const std::string input = "0=" + fixture("references_int8/mnist/KL/faces_ultraface_1/input.npy");
  // quantized.out's EMA file for mnist gives one convolution (op '24') Winograd int8 attributes,
  // of the form quantized.out writes: simulated like MNN's int8 Winograd executor, no warning.
  const std::string emaModel = fixture("mnn_quantized/mnist/EMA/quant.mnn");
  const auto ema = cli({"infer", "--model", emaModel, "--input", input, "--output-dir", dir + "/ema"});
  CHECK(ema.status == 0);
  CHECK_THAT(ema.err, !Catch::Contains("approximate"));
  // The same attribute claiming two units (MNN would sum two partial kernels; quantized.out never
  // writes that): the convolution runs as a plain int8 convolution, and infer says so by name.
  mnnq::Graph g = mnnq::Graph::load(emaModel);
  const int op = g.findOp("24");
  REQUIRE(op >= 0);
  auto& attr = g.net().oplists[op]->main.AsConvolution2D()->symmetricQuan->winogradAttr;
  REQUIRE(attr.size() > 2);
  attr[1] = 2;
  mnnq::saveNet(g.net(), dir + "/two_units.mnn");
  const auto two = cli({"infer", "--model", dir + "/two_units.mnn", "--input", input, "--output-dir", dir + "/two"});
  CHECK(two.status == 0);
  CHECK_THAT(two.err, Catch::Contains("1 int8 op(s) only approximate MNN's int8 runtime"));
  CHECK_THAT(two.err, Catch::Contains("'24': winogradAttr with 2 units"));
  // --dequantized does not run int8 at all.
  const auto deq = cli({"infer", "--model", dir + "/two_units.mnn", "--input", input, "--output-dir",
                        dir + "/deq", "--dequantized"});
  CHECK(deq.status == 0);
  CHECK_THAT(deq.err, !Catch::Contains("approximate"));
}

TEST_CASE("weight ADMM refuses a weight clamp below 7 before calibrating (exit 2)") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("admm_clamp");
  const std::string path = mnistConfig(dir);
  nlohmann::json config = readJson(path);
  config["weight_quantize_method"] = "ADMM";
  config["used_image_num"] = 4;
  auto run = [&](const nlohmann::json& changes, const std::string& out) {
    nlohmann::json c = config;
    c.update(changes);
    std::ofstream(dir + "/c.json") << c.dump();
    return cli({"run", "--config", dir + "/c.json", "--output", dir + "/" + out, "-q"});
  };
  const auto explicit_clamp = run({{"weight_clamp_value", 5}}, "a.mnn");
  CHECK(explicit_clamp.status == 2);
  CHECK_THAT(explicit_clamp.err, Catch::Contains("ADMM needs weight_clamp_value") && Catch::Contains("got 5"));
  CHECK(!boost::filesystem::exists(dir + "/a.mnn"));
  const auto three_bits = run({{"quant_bits", 3}}, "b.mnn");  // default clamp 2^2-1 = 3
  CHECK(three_bits.status == 2);
  CHECK_THAT(three_bits.err, Catch::Contains("got 3"));
  CHECK(run({{"quant_bits", 4}}, "c.mnn").status == 0);  // clamp 7: the smallest ADMM takes
}
