// The pipeline's graph rules on MLSD (fixtures/models/mlsd), whose decoder ends in
//   Conv__294 (16 ch) -> Resize__203 (bilinear) -> StridedSlice (channel 0) -> Sigmoid
//     -> Equal(x, MaxPool(x)) -> Cast -> Mul(x, mask) -> ConvertTensor -> scores
//   Resize__203 -> StridedSlice (channels 1..4) -> Permute -> ConvertTensor -> offsets
// The expected tensor sets below are read off that structure (mnnq inspect / the file's ops),
// not produced by the code under test.
#include "compared_tensors.hpp"
#include "float_outputs.hpp"
#include "scale_sharing.hpp"

#include "fixtures.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace mnnq;

namespace {

int tensorId(const Graph& graph, const std::string& name) {
  for (int t = 0; t < graph.numTensors(); ++t)
    if (graph.tensorName(t) == name) return t;
  FAIL("no tensor " << name);
  return -1;
}

// Parameters for every float tensor computed from the input, each with its own scale.
TensorParams distinctParams(const Executor& executor, const Graph& graph) {
  TensorParams params;
  for (int t = 0; t < graph.numTensors(); ++t) {
    if (executor.dtype(t) != DType::Float32 || executor.isConstant(t)) continue;
    mnnq_feature_params p{};
    p.valid = 1;
    p.scale = 0.001f * static_cast<float>(t + 1);
    p.min = -127;
    p.max = 127;
    params[t] = p;
  }
  return params;
}

const char* kLogitSlice = "WireFrameModel_with_alpha/Decoder/strided_slice_41:0";
const char* kSigmoid = "WireFrameModel_with_alpha/Decoder/Sigmoid_4:0";
const char* kLastRelu =
    "WireFrameModel_with_alpha/Decoder/conv_bn__act_9/re_lu_9/Relu_WireFrameModel_with_alpha/"
    "Decoder/conv_bn__act_9/bn/FusedBatchNormV3_WireFrameModel_with_alpha/Decoder/conv_bn__act_9/"
    "conv/Conv2D:0";

}  // namespace

TEST_CASE("compared values stay float back to the convolution that computes them", "[pipeline][rules]") {
  MNNQ_REQUIRE_FIXTURES();
  Graph graph = Graph::load(test::fixture("models/mlsd/mlsd_tiny.mnn"));
  Executor executor(graph);
  TensorParams params = distinctParams(executor, graph);
  const std::set<int> compared = comparedTensors(graph, params);
  // Through Reshape, MaxPool, Sigmoid, StridedSlice and the bilinear resize...
  for (const char* name : {"Transpose__305:0", "WireFrameModel_with_alpha/Decoder/max_pooling2d/MaxPool:0",
                           kSigmoid, kLogitSlice, "Resize__203:0", "Conv__294:0"}) {
    INFO(name);
    CHECK(compared.count(tensorId(graph, name)));
  }
  // ...and not past the convolution: its int8 input gives continuous-valued float sums.
  CHECK_FALSE(compared.count(tensorId(graph, kLastRelu)));
  CHECK_FALSE(compared.count(tensorId(graph, "offsets")));

  const auto removed = keepComparedTensorsFloat(graph, params);
  const std::set<std::string> got(removed.begin(), removed.end());
  // The Equal's two inputs and everything they are derived from through tie-preserving ops.
  const std::set<std::string> expected = {"Transpose__305:0",
                                          "WireFrameModel_with_alpha/Decoder/max_pooling2d/MaxPool__208:0",
                                          "WireFrameModel_with_alpha/Decoder/max_pooling2d/MaxPool:0",
                                          kSigmoid, kLogitSlice, "Resize__203:0", "Conv__294:0"};
  CHECK(got == expected);
  CHECK_FALSE(params.count(tensorId(graph, "Conv__294:0")));
  CHECK(params.count(tensorId(graph, kLastRelu)));
}

TEST_CASE("results computed in float that are only copied to outputs lose their parameters", "[pipeline][rules]") {
  MNNQ_REQUIRE_FIXTURES();
  Graph graph = Graph::load(test::fixture("models/mlsd/mlsd_tiny.mnn"));
  Executor executor(graph);
  TensorParams params = distinctParams(executor, graph);
  keepComparedTensorsFloat(graph, params);
  const auto variable = [&](int t) {
    return executor.dtype(t) == DType::Float32 && !executor.isConstant(t);
  };
  const auto removed = keepFloatResultsFloat(graph, variable, params);
  const std::set<std::string> got(removed.begin(), removed.end());
  // Mul(float scores, mask) runs in float; offsets are sliced from the float resize.
  const std::set<std::string> expected = {"scores__before_tr", "scores", "Identity_2_raw_output___8:0",
                                          "offsets__before_tr", "offsets"};
  CHECK(got == expected);
  // The mask is read by the Mul (a computing op): it keeps its parameters.
  CHECK(params.count(tensorId(graph, "WireFrameModel_with_alpha/Decoder/Cast:0")));

  SECTION("an output computed from calibrated inputs keeps its parameters") {
    TensorParams all = distinctParams(executor, graph);
    CHECK(keepFloatResultsFloat(graph, variable, all).empty());
  }
}

TEST_CASE("a bilinear resize keeps its input's parameters", "[pipeline][rules]") {
  MNNQ_REQUIRE_FIXTURES();
  Graph graph = Graph::load(test::fixture("models/mlsd/mlsd_tiny.mnn"));
  Executor executor(graph);
  TensorParams params = distinctParams(executor, graph);
  shareScales(graph, executor.executionOrder(), params);
  const int resize = tensorId(graph, "Resize__163:0");
  const int source = tensorId(graph, "WireFrameModel_with_alpha/block_9_add/add:0");
  CHECK(params.at(resize).scale == params.at(source).scale);
  // Its size input is integer shape arithmetic and has no parameters to give.
  CHECK_FALSE(params.count(tensorId(graph, "Concat__162:0")));
}
