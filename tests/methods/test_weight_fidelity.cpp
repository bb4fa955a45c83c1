// MAX_ABS against MNN's own output: for every convolution MNN quantized in the KL fixtures
// (mnn_quantized/<model>/KL/quant.mnn, weight_quantize_method MAX_ABS, clamp 127, 8 bits), the
// plugin run on the float model's weights must give MNN's per-channel alpha (1e-6 relative)
// and exactly the integers of MNN's coded buffer.
#include "fixtures.hpp"
#include "method_plugins.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/idst_codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <boost/filesystem.hpp>

#include <cmath>
#include <fstream>

using namespace mnnq;

namespace {

// The float model a fixture was made from: cfg.json's "model", relative to the cfg folder.
std::string floatModelOf(const std::string& fixture_dir) {
  std::ifstream in(fixture_dir + "/cfg.json");
  const auto cfg = nlohmann::json::parse(in);
  const boost::filesystem::path model = cfg.at("model").get<std::string>();
  if (model.is_absolute()) return model.string();
  return (boost::filesystem::path(fixture_dir) / model).lexically_normal().string();
}

struct Tally {
  int convs = 0;
  uint64_t weights = 0;
  double worst_alpha_rel = 0;
};

Tally compareWithMnn(const std::string& fixture_dir) {
  Graph quantized = Graph::load(fixture_dir + "/quant.mnn");
  Graph original = Graph::load(floatModelOf(fixture_dir));
  Tally tally;
  for (int i = 0; i < quantized.numOps(); ++i) {
    const schema::OpT& qop = quantized.op(i);
    const schema::Convolution2DT* qconv = qop.main.AsConvolution2D();
    if (!qconv || !qconv->quanParameter || qconv->quanParameter->buffer.empty()) continue;
    INFO(fixture_dir << ": op " << qop.name);
    const int fi = original.findOp(qop.name);
    REQUIRE(fi >= 0);
    const schema::Convolution2DT* fconv = original.op(fi).main.AsConvolution2D();
    REQUIRE(fconv);
    REQUIRE_FALSE(fconv->weight.empty());
    const auto& idst = *qconv->quanParameter;
    const IdstDecoded mnn = decodeIdst(idst.buffer.data(), idst.buffer.size(), idst.type,
                                       idst.shapeInt32);
    const uint32_t oc = uint32_t(fconv->common->outputCount);
    REQUIRE(mnn.values.size() == fconv->weight.size());
    REQUIRE(idst.alpha.size() == oc);

    const auto ours = test::quantizeWeights("weight_maxabs", fconv->weight, oc,
                                            uint32_t(idst.aMaxOrBits), 127, qop.name);
    for (uint32_t c = 0; c < oc; ++c) {
      const double a = ours.scales[c], b = idst.alpha[c];
      const double rel = b == 0 ? std::fabs(a) : std::fabs(a - b) / std::fabs(b);
      tally.worst_alpha_rel = std::max(tally.worst_alpha_rel, rel);
      CHECK(rel <= 1e-6);
    }
    uint64_t differing = 0;
    for (size_t k = 0; k < mnn.values.size(); ++k) differing += ours.values[k] != mnn.values[k];
    CHECK(differing == 0);
    ++tally.convs;
    tally.weights += mnn.values.size();
  }
  return tally;
}

}  // namespace

TEST_CASE("MAX_ABS reproduces MNN's alphas and integer weights on every KL fixture",
          "[methods][weights][fidelity]") {
  MNNQ_REQUIRE_FIXTURES();
  int total_convs = 0;
  for (const char* model : {"rfb320", "rfb320_onnx", "blazeface_tf", "ppocr_cls", "mnist"}) {
    const Tally t = compareWithMnn(test::fixture(std::string("mnn_quantized/") + model + "/KL"));
    std::printf("%s/KL: %d convolutions, %llu weights, worst alpha relative difference %.3g\n",
                model, t.convs, static_cast<unsigned long long>(t.weights), t.worst_alpha_rel);
    CHECK(t.convs > 0);
    total_convs += t.convs;
  }
  CHECK(total_convs > 100);
}
