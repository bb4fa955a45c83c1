// End to end: mnnq quantizes mnist with the fixture config (32 calibration images), and the
// int8 simulation of the result stays close to MNN's float outputs on the reference images
// (cosine > 0.99; MNN's own KL model reaches 0.99996). Runs the built mnnq and plugins.
#include "fixtures.hpp"
#include "model_reference.hpp"

#include "mnnq/core/executor.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

using namespace mnnq;

TEST_CASE("mnnq-quantized mnist simulated in int8 follows the float model") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string tmp = test::tempDir("int8_quality");
  nlohmann::json config;
  {
    std::ifstream in(test::fixture("configs/mnist.json"));
    REQUIRE(in.good());
    config = nlohmann::json::parse(in);
  }
  const std::string configDir = test::fixture("configs");
  config["model"] = configDir + "/" + config["model"].get<std::string>();
  config["path"] = configDir + "/" + config["path"].get<std::string>();
  config["used_image_num"] = 32;
  std::ofstream(tmp + "/mnist.json") << config.dump(1);
  const std::string quantized = tmp + "/mnist_int8.mnn";
  const std::string cmd = "\"" + test::buildBinDir() + "/mnnq\" run --quiet --config \"" + tmp +
                          "/mnist.json\" --output \"" + quantized + "\" > \"" + tmp + "/log\" 2>&1";
  const int status = std::system(cmd.c_str());
  {
    std::ifstream log(tmp + "/log");
    INFO(std::string(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>()));
    REQUIRE(status == 0);
  }

  const Graph graph = Graph::load(quantized);
  REQUIRE(graph.inputs().size() == 1);
  const int inputId = graph.inputs()[0];
  ExecutorOptions opt;
  opt.simulate_int8 = true;
  const Executor ex(graph, opt);
  std::ifstream jf(test::fixture("references/mnist/references.json"));
  const auto runs = nlohmann::json::parse(jf);
  REQUIRE(runs.size() >= 4);
  for (const auto& run : runs) {
    const std::string dir = test::fixture("references/mnist/" + run["dir"].get<std::string>());
    const auto outputs = ex.run({{inputId, readNpy(dir + "/input.npy")}});
    for (const auto& o : run["outputs"]) {
      int t = -1;
      for (int g : graph.outputs())
        if (graph.tensorName(g) == o["name"].get<std::string>()) t = g;
      REQUIRE(t >= 0);
      const auto a = test::compareTensors(outputs.at(t), readNpy(dir + "/" + o["file"].get<std::string>()));
      INFO(run["dir"].get<std::string>() << ": cosine " << a.cosine << ", max abs error " << a.maxAbsError);
      CHECK(a.sameShape);
      CHECK(a.cosine > 0.99);
    }
  }
}
