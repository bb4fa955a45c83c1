// The int8 simulation (ExecutorOptions::simulate_int8) of every quantized fixture model must
// reproduce MNN 3.6.1's CPU int8 runtime outputs (references_int8/, made by MNN on the same
// inputs as references/) with per-output cosine >= 0.999 for every reference image. The EMA
// files with int8 Winograd convolutions (winogradAttr; MNN's int8 Winograd executor) must match
// exactly up to float noise: max abs error <= 1e-6 max|ref|.
#include "fixtures.hpp"
#include "model_reference.hpp"

#include "mnnq/core/executor.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace mnnq;

namespace {

// Convolution ops carrying winogradAttr.
int winogradConvolutions(const Graph& g) {
  int n = 0;
  for (int i = 0; i < g.numOps(); ++i) {
    const auto* conv = g.op(i).main.AsConvolution2D();
    if (g.op(i).type == schema::OpType_Convolution && conv && conv->symmetricQuan &&
        !conv->symmetricQuan->winogradAttr.empty())
      ++n;
  }
  return n;
}

// exactWinograd: the file must hold int8 Winograd convolutions, and the outputs must equal MNN's
// up to float noise.
void checkQuantized(const std::string& name, const std::string& method, bool exactWinograd = false) {
  MNNQ_REQUIRE_FIXTURES();
  const std::string refDir = test::fixture("references_int8/" + name + "/" + method);
  std::ifstream jf(refDir + "/references.json");
  REQUIRE(jf.good());
  const auto runs = nlohmann::json::parse(jf);
  REQUIRE(runs.size() >= 1);
  const Graph graph = Graph::load(test::fixture("mnn_quantized/" + name + "/" + method + "/quant.mnn"));
  REQUIRE(graph.inputs().size() == 1);
  const int inputId = graph.inputs()[0];
  if (exactWinograd) CHECK(winogradConvolutions(graph) > 0);
  for (const auto& run : runs) {
    const std::string image = run["dir"].get<std::string>();
    const Tensor input = readNpy(test::fixture("references/" + name + "/" + image + "/input.npy"));
    ExecutorOptions opt;
    opt.simulate_int8 = true;
    opt.input_shapes[graph.tensorName(inputId)] = input.shape;
    const Executor ex(graph, opt);
    const auto outputs = ex.run({{inputId, input}});
    for (const auto& o : run["outputs"]) {
      const std::string out = o["name"].get<std::string>();
      // By output name among the graph outputs (EMA files may repeat a tensor name).
      int t = -1;
      for (int g : graph.outputs())
        if (graph.tensorName(g) == out) t = g;
      INFO(name << "/" << method << " / " << image << " / output " << out);
      REQUIRE(t >= 0);
      REQUIRE(outputs.count(t) == 1);
      const Tensor ref = readNpy(refDir + "/" + image + "/" + o["file"].get<std::string>());
      const auto a = test::compareTensors(outputs.at(t), ref);
      INFO("cosine " << a.cosine << ", max abs error " << a.maxAbsError << ", max |ref| " << a.maxAbsRef);
      CHECK(a.sameShape);
      CHECK(a.nonFiniteMismatches == 0);
      CHECK(a.cosine >= 0.999);
      if (exactWinograd) CHECK(a.maxAbsError <= 1e-6 * a.maxAbsRef);
    }
  }
}

}  // namespace

TEST_CASE("int8 simulation matches MNN: mnist KL") { checkQuantized("mnist", "KL"); }
// One F(2x2,5x5) int8 Winograd convolution.
TEST_CASE("int8 simulation matches MNN: mnist EMA") { checkQuantized("mnist", "EMA", true); }
TEST_CASE("int8 simulation matches MNN: blazeface_tf KL") { checkQuantized("blazeface_tf", "KL"); }
TEST_CASE("int8 simulation matches MNN: blazeface_tf EMA") { checkQuantized("blazeface_tf", "EMA"); }
TEST_CASE("int8 simulation matches MNN: blazeface_tf ADMM") { checkQuantized("blazeface_tf", "ADMM"); }
TEST_CASE("int8 simulation matches MNN: ppocr_cls KL") { checkQuantized("ppocr_cls", "KL"); }
TEST_CASE("int8 simulation matches MNN: rfb320 KL") { checkQuantized("rfb320", "KL"); }
TEST_CASE("int8 simulation matches MNN: rfb320 ADMM") { checkQuantized("rfb320", "ADMM"); }
TEST_CASE("int8 simulation matches MNN: rfb320_onnx KL") { checkQuantized("rfb320_onnx", "KL"); }
// Four F(4x4,3x3) int8 Winograd convolutions, each with a fused ReLU.
TEST_CASE("int8 simulation matches MNN: rfb320_onnx EMA") { checkQuantized("rfb320_onnx", "EMA", true); }

// Every quantized fixture has a test case above (a new fixture must be added here).
TEST_CASE("int8 simulation: every quantized fixture with MNN int8 references is covered") {
  MNNQ_REQUIRE_FIXTURES();
  namespace fs = std::filesystem;
  int count = 0;
  for (const auto& model : fs::directory_iterator(test::fixture("references_int8")))
    for (const auto& method : fs::directory_iterator(model.path()))
      if (fs::exists(method.path() / "references.json")) ++count;
  CHECK(count == 10);
}
