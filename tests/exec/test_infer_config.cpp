// `mnnq infer --config CFG --image IMG`: the input made by the config's input plugin equals the
// tensor MNN's quantizer preprocessing made for the fixture references (NCHW models), and the
// outputs match MNN's float runtime. Runs the built mnnq executable and plugins.
#include "fixtures.hpp"
#include "model_reference.hpp"

#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace mnnq;
namespace fs = std::filesystem;

namespace {

int runMnnq(const std::string& args, const std::string& log) {
  const std::string cmd = "\"" + test::buildBinDir() + "/mnnq\" " + args + " > \"" + log + "\" 2>&1";
  return std::system(cmd.c_str());
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void checkInferFromImage(const std::string& name) {
  MNNQ_REQUIRE_FIXTURES();
  const std::string refDir = test::fixture("references/" + name);
  std::ifstream jf(refDir + "/references.json");
  REQUIRE(jf.good());
  const auto runs = nlohmann::json::parse(jf);
  const std::string tmp = test::tempDir("infer_" + name);
  for (const auto& run : runs) {
    const std::string dir = run["dir"].get<std::string>();
    const std::string out = tmp + "/" + dir;
    const std::string log = tmp + "/" + dir + ".log";
    INFO(name << " / " << run["image"].get<std::string>());
    const int status = runMnnq("infer --config \"" + test::fixture("configs/" + name + ".json") + "\" --image \"" +
                                   test::fixture("images/calib/" + run["image"].get<std::string>()) +
                                   "\" --output-dir \"" + out + "\"",
                               log);
    INFO(readText(log));
    REQUIRE(status == 0);
    const Tensor input = readNpy(out + "/input.npy");
    const Tensor refInput = readNpy(refDir + "/" + dir + "/input.npy");
    REQUIRE(input.shape == refInput.shape);
    const auto in = test::compareTensors(input, refInput);
    INFO("input max abs difference " << in.maxAbsError);
    CHECK(in.maxAbsError <= 1e-5);
    for (const auto& o : run["outputs"]) {
      INFO("output " << o["name"].get<std::string>());
      const std::string file = o["file"].get<std::string>();
      REQUIRE(fs::exists(out + "/" + file));
      const auto a = test::compareTensors(readNpy(out + "/" + file), readNpy(refDir + "/" + dir + "/" + file));
      INFO("cosine " << a.cosine << ", max abs error " << a.maxAbsError << ", max |ref| " << a.maxAbsRef);
      CHECK(a.sameShape);
      CHECK(a.cosine >= 0.9999);
    }
  }
}

}  // namespace

TEST_CASE("infer --config --image: mnist") { checkInferFromImage("mnist"); }
TEST_CASE("infer --config --image: blazeface_tf") { checkInferFromImage("blazeface_tf"); }
TEST_CASE("infer --config --image: ppocr_cls") { checkInferFromImage("ppocr_cls"); }
TEST_CASE("infer --config --image: rfb320") { checkInferFromImage("rfb320"); }
TEST_CASE("infer --config --image: rfb320_onnx") { checkInferFromImage("rfb320_onnx"); }

TEST_CASE("infer --config: an image the plugin does not offer is a usage error") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string tmp = test::tempDir("infer_missing");
  const int status = runMnnq("infer --config \"" + test::fixture("configs/mnist.json") + "\" --image \"" +
                                 test::fixture("images/calib/no_such_image.jpg") + "\" --output-dir \"" + tmp +
                                 "/out\"",
                             tmp + "/log");
  CHECK(status != 0);
  CHECK(readText(tmp + "/log").find("no_such_image.jpg") != std::string::npos);
}
