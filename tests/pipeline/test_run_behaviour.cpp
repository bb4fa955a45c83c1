// Behaviour of a run a user relies on: determinism, skip lists, bad samples.
#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/graph.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>

using namespace mnnq::test;
namespace fs = boost::filesystem;

namespace {

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("the output file does not depend on the thread count", "[pipeline][determinism]") {
  MNNQ_REQUIRE_FIXTURES();
  for (const std::string method : {"KL", "ADMM", "EMA", "PERCENTILE", "MSE", "MINMAX"}) {
    nlohmann::json changes{{"feature_quantize_method", method}, {"used_image_num", 24}};
    if (method == "EMA") changes["winogradOpt"] = false;
    PipelineRun one = runPipeline("blazeface_tf", changes, 1);
    PipelineRun two = runPipeline("blazeface_tf", changes, 2);
    INFO(method);
    const std::string a = readBytes(one.output), b = readBytes(two.output);
    REQUIRE(!a.empty());
    CHECK(a == b);
  }
  // blazeface_tf has no conv -> depthwise pair to equalise; rfb320 has ten, whose channel ranges
  // are measured on both threads.
  nlohmann::json changes{{"feature_quantize_method", "ADMM"}, {"used_image_num", 24}};
  const std::string a = readBytes(runPipeline("rfb320", changes, 1).output);
  const std::string b = readBytes(runPipeline("rfb320", changes, 2).output);
  REQUIRE(!a.empty());
  CHECK(a == b);
}

TEST_CASE("keeping decoded samples between passes changes nothing in the output", "[pipeline][cache]") {
  MNNQ_REQUIRE_FIXTURES();
  PipelineRun cached = runPipeline("blazeface_tf", {{"used_image_num", 16}});
  PipelineRun decoded = runPipeline("blazeface_tf", {{"used_image_num", 16}, {"input_cache_mb", 0}});
  const std::string a = readBytes(cached.output), b = readBytes(decoded.output);
  REQUIRE(!a.empty());
  CHECK(a == b);
}

TEST_CASE("skip_quant_op_names keeps the named convolution in float", "[pipeline][skip]") {
  MNNQ_REQUIRE_FIXTURES();
  mnnq::Graph source = mnnq::Graph::load(fixture("models/mnist_lenet/mnist.mnn"));
  std::string conv_name;
  for (int i = 0; i < source.numOps() && conv_name.empty(); ++i)
    if (source.op(i).type == mnnq::schema::OpType_Convolution) conv_name = source.op(i).name;
  REQUIRE(!conv_name.empty());

  PipelineRun run = runPipeline(
      "mnist", {{"used_image_num", 8}, {"skip_quant_op_names", nlohmann::json::array({conv_name})}});
  mnnq::Graph written = mnnq::Graph::load(run.output);
  const auto* conv = written.op(written.findOp(conv_name)).main.AsConvolution2D();
  REQUIRE(conv);
  CHECK(!conv->weight.empty());
  CHECK(!conv->quanParameter);
  int quantized = 0;
  for (int i = 0; i < written.numOps(); ++i)
    if (const auto* c = written.op(i).main.AsConvolution2D(); c && c->quanParameter) ++quantized;
  CHECK(quantized >= 1);
}

TEST_CASE("an unknown skip_quant_op_names entry is an error with the closest op name", "[pipeline][skip]") {
  MNNQ_REQUIRE_FIXTURES();
  mnnq::Graph source = mnnq::Graph::load(fixture("models/mnist_lenet/mnist.mnn"));
  std::string conv_name;
  for (int i = 0; i < source.numOps() && conv_name.empty(); ++i)
    if (source.op(i).type == mnnq::schema::OpType_Convolution) conv_name = source.op(i).name;
  const std::string typo = conv_name + "x";
  try {
    runPipeline("mnist", {{"used_image_num", 4}, {"skip_quant_op_names", nlohmann::json::array({typo})}});
    FAIL("no error for an op name the model lacks");
  } catch (const mnnq::ConfigError& e) {
    const std::string message = e.what();
    CHECK(message.find("skip_quant_op_names") != std::string::npos);
    CHECK(message.find("'" + typo + "'") != std::string::npos);
    CHECK(message.find("did you mean '" + conv_name + "'") != std::string::npos);
  }
}

TEST_CASE("unreadable and non-image files are skipped and counted, the run goes on", "[pipeline][samples]") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("junk-samples");
  int copied = 0;
  for (fs::directory_iterator it(fixture("images/calib32")), end; it != end && copied < 6; ++it, ++copied)
    fs::copy_file(it->path(), fs::path(dir) / it->path().filename());
  std::ofstream(dir + "/notes.txt") << "not an image";
  std::ofstream(dir + "/fake.jpg") << "this is text";
  std::ofstream(dir + "/empty.png");
  PipelineRun run = runPipeline("mnist", {{"path", dir}});
  // Every file of the folder is a sample; the three that are not images are skipped, named, and
  // counted, and the 6 real images are used.
  const nlohmann::json& samples = run.summary.at("samples");
  CHECK(samples.at("total") == 9);
  CHECK(samples.at("used") == 6);
  CHECK(samples.at("skipped") == 3);
  std::set<std::string> skipped;
  for (const auto& s : run.summary.at("skipped_samples")) {
    skipped.insert(fs::path(s.at("sample").get<std::string>()).filename().string());
    CHECK(!s.at("reason").get<std::string>().empty());
  }
  CHECK(skipped == std::set<std::string>{"notes.txt", "fake.jpg", "empty.png"});
  // The written model is complete: every convolution quantized from the 6 real images.
  CHECK(quantizedConvWeights(run.output).size() == 4);
}

TEST_CASE("a folder without one usable sample is an error and writes nothing", "[pipeline][samples]") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("all-junk");
  std::ofstream(dir + "/a.jpg") << "text";
  std::ofstream(dir + "/b.png");
  const std::string out_dir = tempDir("all-junk-output");
  const std::string output = out_dir + "/quant.mnn";
  CHECK_THROWS_WITH(runPipeline("mnist", {{"path", dir}, {"output", output}}),
                    Catch::Contains("no usable calibration sample"));
  // Nothing at all in the output folder: no model, no side file, no temporary file.
  CHECK(fs::is_empty(out_dir));
}
