// The int8 simulation on small graphs that MNN's own quantized.out quantized (tests/exec/data/
// int8_*/<method>/quant.mnn, see data/README.md), against MNN 3.6.1's int8 runtime outputs for
// the same inputs (<method>/<sample>/*.npy): the op types of the segmentation and SSD models the
// team had not seen (Convolution, ConvolutionDepthwise, Sigmoid, Eltwise, BinaryOp, UnaryOp,
// Pooling, Interp, Deconvolution, ConvertTensor; Normalize, Permute, Reshape, PriorBox, Softmax,
// DetectionOutput). No fixture is needed: models, inputs and MNN's outputs are in the repository.
#include "model_reference.hpp"

#include "fixtures.hpp"
#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace mnnq;

namespace {

std::string dataDir(const std::string& name) { return test::sourceDir() + "/tests/exec/data/" + name; }

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Every sample of data/<model>/samples/ through <method>/quant.mnn with simulate_int8; every
// output against MNN's. Returns the number of outputs compared. With `mismatches`, also counts
// the output elements that differ from MNN's by more than float noise (1e-6 max|ref|).
int checkModel(const std::string& model, const std::string& method, double minCos, double relTol,
               int64_t* mismatches = nullptr) {
  const std::string dir = dataDir(model);
  const Graph g = Graph::load(dir + "/" + method + "/quant.mnn");
  ExecutorOptions options;
  options.simulate_int8 = true;
  const Executor ex(g, options);
  int compared = 0;
  for (const std::string& sample : subdirs(dir + "/samples")) {
    std::map<int, Tensor> in;
    for (size_t k = 0; k < g.inputs().size(); ++k)
      in[g.inputs()[k]] = readNpy(dir + "/samples/" + sample + "/in" + std::to_string(k) + ".npy");
    const auto out = ex.run(in);
    for (int t : g.outputs()) {
      const std::string name = g.tensorName(t);
      const Tensor ref = readNpy(dir + "/" + method + "/" + sample + "/" + test::sanitizeName(name) + ".npy");
      const test::Agreement a = test::compareTensors(out.at(t), ref);
      INFO(model << " / " << method << " / " << sample << " / " << name << ": cosine " << a.cosine
                 << ", max abs error " << a.maxAbsError << ", max |ref| " << a.maxAbsRef);
      CHECK(a.sameShape);
      CHECK(test::agrees(a, minCos, relTol));
      if (mismatches && a.sameShape) {
        const Tensor& ours = out.at(t);
        for (size_t i = 0; i < ref.f.size(); ++i)
          if (std::fabs(double(ours.f[i]) - double(ref.f[i])) > 1e-6 * a.maxAbsRef) ++*mismatches;
      }
      ++compared;
    }
  }
  return compared;
}

}  // namespace

TEST_CASE("int8 simulation matches MNN on a segmentation-like graph (KL file of quantized.out)",
          "[exec][int8][synthetic]") {
  CHECK(checkModel("int8_segmentation", "KL", 0.9999, 1e-3) > 0);
}

TEST_CASE("int8 simulation matches MNN on an SSD-like graph (KL file of quantized.out)",
          "[exec][int8][synthetic]") {
  CHECK(checkModel("int8_ssd", "KL", 0.9999, 1e-3) > 0);
}

TEST_CASE("int8 simulation matches MNN on a probability-map head (KL file of quantized.out)",
          "[exec][int8][synthetic]") {
  CHECK(checkModel("int8_probmap", "KL", 0.9999, 1e-3) > 0);
}

TEST_CASE("int8 simulation matches MNN on conv, hard-swish, Interp, conv, Sigmoid (KL file)",
          "[exec][int8][synthetic]") {
  CHECK(checkModel("int8_interp_chain", "KL", 0.9999, 1e-3) > 0);
}

// EMA/: quantized.out's EMA files of the same models. MNN's EMA turns Winograd on by default and
// every one of them has int8 Winograd convolutions (winogradAttr), which MNN computes with its
// int8 Winograd executor (int8_winograd.cpp); all of them F(4x4,3x3), the SSD head's two with
// 24 and 12 output channels, the probability map's with a fused ReLU. The plain int8
// convolution gave cosines of 0.92-0.9999 against MNN here; the outputs must now equal MNN's up
// to float noise (the segmentation graph's float ops differ from MNN's by an ulp or two).
TEST_CASE("int8 simulation matches MNN's int8 Winograd on a segmentation-like graph (EMA file)",
          "[exec][int8][synthetic][winograd]") {
  int64_t mismatches = 0;
  CHECK(checkModel("int8_segmentation", "EMA", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

TEST_CASE("int8 simulation matches MNN's int8 Winograd on an SSD-like graph (EMA file)",
          "[exec][int8][synthetic][winograd]") {
  int64_t mismatches = 0;
  CHECK(checkModel("int8_ssd", "EMA", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

TEST_CASE("int8 simulation matches MNN's int8 Winograd on a probability-map head (EMA file)",
          "[exec][int8][synthetic][winograd]") {
  int64_t mismatches = 0;
  CHECK(checkModel("int8_probmap", "EMA", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

TEST_CASE("int8 simulation matches MNN's int8 Winograd on conv, hard-swish, Interp, conv (EMA file)",
          "[exec][int8][synthetic][winograd]") {
  // The last convolution (conv3, plain int8) reads the Interp's int8 output, which holds
  // q = -128 at two places although its attribute says min -127: MNN's convolution reads the
  // byte as it is (a FloatToInt8 would clamp it to -127, and one output element would move by an
  // int8 step).
  int64_t mismatches = 0;
  CHECK(checkModel("int8_interp_chain", "EMA", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

// int8_winograd: every tile quantized.out's EMA writes, chosen by its cost model on a graph made
// for it (make_synthetic_models.cpp), against MNN's outputs (data/README.md).
TEST_CASE("int8 simulation matches MNN's int8 Winograd on every tile quantized.out writes",
          "[exec][int8][synthetic][winograd]") {
  const Graph g = Graph::load(dataDir("int8_winograd") + "/EMA/quant.mnn");
  // (unit, kernel) of each Winograd convolution, read from winogradAttr: all must be there.
  std::set<std::pair<int, int>> tiles;
  for (int i = 0; i < g.numOps(); ++i) {
    const auto* conv = g.op(i).main.AsConvolution2D();
    if (!conv || !conv->symmetricQuan || conv->symmetricQuan->winogradAttr.empty()) continue;
    const auto& a = conv->symmetricQuan->winogradAttr;
    REQUIRE(a.size() > 8);
    CHECK(a[7] == a[8]);  // square tiles, square kernels here
    tiles.insert({a[7], a[5]});
  }
  CHECK(tiles == std::set<std::pair<int, int>>{{2, 3}, {4, 3}, {2, 5}, {3, 4}, {3, 2}, {5, 2}});
  int64_t mismatches = 0;
  CHECK(checkModel("int8_winograd", "EMA", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

// EMA_scaleout: the same file with each Winograd convolution's quanParameter.scaleOut and
// outputZeroPoint changed (so they differ from its output tensor's attribute). MNN's Winograd
// executor requantises with the convolution's own parameters and its consumers read the result
// with the tensor's: MNN's outputs move by up to 4.6 against EMA/, and the simulation must follow.
TEST_CASE("int8 Winograd requantises with the convolution's own scaleOut and output zero point",
          "[exec][int8][synthetic][winograd]") {
  int64_t mismatches = 0;
  CHECK(checkModel("int8_winograd", "EMA_scaleout", 0.9999, 1e-5, &mismatches) > 0);
  CHECK(mismatches == 0);
}

TEST_CASE("int8 simulation matches MNN on an EMA file whose table input reaches q = -128",
          "[exec][int8][synthetic]") {
  // mnnq's own EMA file of the segmentation graph (no Winograd): hswish1's lookup table reads a
  // convolution output with min -128; MNN reads the byte before its table there (0).
  CHECK(checkModel("int8_segmentation", "mnnq_EMA", 0.9999, 1e-3) > 0);
}

TEST_CASE("int8 simulation matches MNN on a channels-last graph: a broadcast BinaryOp on NHWC runs in float",
          "[exec][int8][synthetic]") {
  // MediaPipe's selfie segmentation as MNN converts it from TFLite: the squeeze-excite multiply
  // reads NHWC tensors and broadcasts one of them, which MNN lowers to a Loop command that its
  // CPU backend runs in float (the product is not rounded to se_mul's int8 step; the Eltwise
  // after it adds the float values). Simulated as an int8 BinaryOp before, se_mul had cosine
  // 0.9998 against MNN and the selfie model's output 0.93 (mean over 111 photos).
  int64_t mismatches = 0;
  CHECK(checkModel("int8_channels_last", "KL", 0.9999, 1e-5, &mismatches) == 6);
  CHECK(mismatches == 0);
  mismatches = 0;
  CHECK(checkModel("int8_channels_last", "EMA", 0.9999, 1e-5, &mismatches) == 3);
  CHECK(mismatches == 0);
}
