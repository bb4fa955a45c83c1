// The scale-dump reader against the file it describes: every scale MNN's quant.mnn.json
// gives a tensor equals the quantInfo.scale MNN wrote for that tensor in quant.mnn.
#include "fixtures.hpp"
#include "mnn_scale_dump.hpp"

#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

using namespace mnnq;

TEST_CASE("scale dump reader matches the quant info of MNN's quantized files",
          "[methods][fidelity]") {
  MNNQ_REQUIRE_FIXTURES();
  for (const char* dir : {"rfb320/KL", "blazeface_tf/ADMM", "ppocr_cls/KL"}) {
    INFO(dir);
    const std::string base = test::fixture(std::string("mnn_quantized/") + dir);
    const auto dump = test::readScaleDump(base + "/quant.mnn.json");
    Graph g = Graph::load(base + "/quant.mnn");
    int compared = 0;
    for (const auto& d : g.net().extraTensorDescribe) {
      if (!d || !d->quantInfo) continue;
      auto it = dump.find(d->index);
      if (it == dump.end() || it->second.scale == 0) continue;
      CHECK(float(it->second.scale) == d->quantInfo->scale);
      ++compared;
    }
    CHECK(compared > 20);
    // A dump compared with itself has no differences; with a scaled copy, exactly that ratio.
    auto scaled = dump;
    for (auto& kv : scaled) kv.second.scale *= 1.01;
    const auto diffs = test::compareScaleDumps(scaled, dump);
    REQUIRE_FALSE(diffs.empty());
    CHECK(diffs.front().relative == Approx(0.01).epsilon(1e-9));
  }
  // (t + 0.5) M / (2048 Cf) round trip.
  CHECK(test::klThresholdBinOf((1077 + 0.5) * 6.5 / (2048 * 127), 6.5) == Approx(1077));
}
