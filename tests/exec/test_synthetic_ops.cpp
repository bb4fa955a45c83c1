// Ops no fixture model contains (PriorBox, DetectionOutput, windowed Pooling3D, Deconvolution),
// checked on small synthetic models (tests/exec/data, written by make_synthetic_models.cpp)
// against the outputs the real MNN 3.6.1 runtime produced for them (data/<name>/mnn/*.npy).
// Also: the variants MNN itself cannot run are refused at load time, and the int8 simulation
// leaves these ops in float as MNN does, except windowed Pooling3D, which MNN runs in int8.
#include "fixtures.hpp"
#include "model_reference.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/inspect.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace mnnq;

namespace {

std::string dataDir(const std::string& name) { return test::sourceDir() + "/tests/exec/data/" + name; }

std::map<int, Tensor> readInputs(const Graph& g, const std::string& dir) {
  std::map<int, Tensor> in;
  for (size_t k = 0; k < g.inputs().size(); ++k)
    in[g.inputs()[k]] = readNpy(dir + "/in" + std::to_string(k) + ".npy");
  return in;
}

// Runs data/<name>/model.mnn on its inputs; every output must match MNN's.
std::map<std::string, Tensor> checkAgainstMnn(const std::string& name, bool simulate_int8 = false) {
  const std::string dir = dataDir(name);
  const Graph g = Graph::load(dir + "/model.mnn");
  ExecutorOptions options;
  options.simulate_int8 = simulate_int8;
  const Executor ex(g, options);
  auto out = ex.run(readInputs(g, dir));
  std::map<std::string, Tensor> byName;
  REQUIRE(!g.outputs().empty());
  for (int t : g.outputs()) {
    const std::string outName = g.tensorName(t);
    const Tensor ref = readNpy(dir + "/mnn/" + test::sanitizeName(outName) + ".npy");
    const Tensor& ours = out.at(t);
    const test::Agreement a = test::compareTensors(ours, ref);
    INFO(name << " / " << outName << ": cosine " << a.cosine << ", max abs error " << a.maxAbsError
              << ", max |ref| " << a.maxAbsRef);
    CHECK(ours.shape == ref.shape);
    CHECK(test::agrees(a, 0.99999, 1e-4));
    byName[outName] = ours;
  }
  return byName;
}

// Rows of a [1, 1, n, 6] detection tensor.
int detections(const Tensor& t) { return t.shape.size() == 4 ? t.shape[2] : -1; }

// A one-op model on NC4HW4 inputs, built with our own writer.
struct OneOpModel {
  schema::NetT net;
  int input(const std::string& name, std::vector<int> dims) {
    net.tensorName.push_back(name);
    const int t = static_cast<int>(net.tensorName.size()) - 1;
    auto op = std::make_unique<schema::OpT>();
    op->name = name;
    op->type = schema::OpType_Input;
    op->outputIndexes = {t};
    auto p = std::make_unique<schema::InputT>();
    p->dims = std::move(dims);
    p->dformat = schema::MNN_DATA_FORMAT_NC4HW4;
    op->main.type = schema::OpParameter_Input;
    op->main.value = p.release();
    net.oplists.push_back(std::move(op));
    return t;
  }
  template <typename Param>
  void op(schema::OpType type, std::vector<int> inputs, schema::OpParameter paramType, std::unique_ptr<Param> param) {
    net.tensorName.push_back("out");
    auto o = std::make_unique<schema::OpT>();
    o->name = "the_op";
    o->type = type;
    o->inputIndexes = std::move(inputs);
    o->outputIndexes = {static_cast<int>(net.tensorName.size()) - 1};
    o->main.type = paramType;
    o->main.value = param.release();
    net.oplists.push_back(std::move(o));
    net.outputName = {"out"};
    net.tensorNumber = static_cast<int>(net.tensorName.size());
  }
  // The UnsupportedOpsError message, or "" if the executor accepts the model.
  std::string refusal() {
    const Graph g = Graph::fromNet(std::make_unique<schema::NetT>(std::move(net)), "one-op");
    try {
      const Executor ex(g);
    } catch (const UnsupportedOpsError& e) {
      REQUIRE(e.ops().size() == 1);
      CHECK(e.ops()[0].find("the_op") != std::string::npos);
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST_CASE("PriorBox matches MNN: image size from input or params, steps, ratios with flip, clip",
          "[exec][synthetic]") {
  const auto out = checkAgainstMnn("priorbox");
  // Clipped outputs stay in [0, 1]; the unclipped one has boxes crossing the border (so the
  // clip variants really clip something).
  auto range = [](const Tensor& t) {
    const size_t boxes = t.f.size() / 2;
    return std::make_pair(*std::min_element(t.f.begin(), t.f.begin() + boxes),
                          *std::max_element(t.f.begin(), t.f.begin() + boxes));
  };
  CHECK(range(out.at("prior_image_size")).first < 0.f);
  CHECK(range(out.at("prior_params_clip")).first == 0.f);
  CHECK(range(out.at("prior_params_clip")).second <= 1.f);
}

TEST_CASE("DetectionOutput matches MNN: thresholds, NMS, keepTopK, RefineDet, no detection",
          "[exec][synthetic]") {
  const auto out = checkAgainstMnn("detection_output");
  CHECK(detections(out.at("det_top10")) == 10);  // truncated by keepTopK
  CHECK(detections(out.at("det_none")) == 0);    // MNN's output then has no row at all
  // keepTopK 200 but fewer boxes survive: the output has as many rows as detections.
  CHECK(detections(out.at("det_all_corner_bg2")) > 10);
  CHECK(detections(out.at("det_all_corner_bg2")) < 200);
}

TEST_CASE("DetectionOutput reproduces MNN's order of tied scores", "[exec][synthetic]") {
  // Confidences in eighths: many equal scores, across classes and inside a class, so the rows
  // MNN returns depend on its (unstable) std::sort / std::partial_sort order. checkAgainstMnn
  // compares row by row: a different tie order moves boxes and fails it.
  const auto out = checkAgainstMnn("detection_output_ties");
  const Tensor ref = readNpy(dataDir("detection_output_ties") + "/mnn/det_nms_loose.npy");
  std::map<float, std::set<float>> labelsPerScore;
  for (int r = 0; r < detections(ref); ++r) labelsPerScore[ref.f[6 * r + 1]].insert(ref.f[6 * r]);
  bool mixedTie = false;
  for (const auto& [score, labels] : labelsPerScore) mixedTie = mixedTie || labels.size() > 1;
  CHECK(mixedTie);  // the reference really has ties across classes
}

TEST_CASE("DetectionOutput follows MNN in ignoring codeType and backgroundLable", "[exec][synthetic]") {
  // det_all_corner_bg2 says CORNER coding and background label 2; MNN decodes CENTER_SIZE and
  // treats class 0 as background anyway. Its reference therefore has class 2 detections and
  // no class 0, and ours must agree (checked against MNN in the case above).
  const Tensor ref = readNpy(dataDir("detection_output") + "/mnn/det_all_corner_bg2.npy");
  std::set<float> labels;
  for (int r = 0; r < detections(ref); ++r) labels.insert(ref.f[6 * r]);
  CHECK(labels.count(2.f) == 1);
  CHECK(labels.count(0.f) == 0);
}

TEST_CASE("Windowed Pooling3D matches MNN: max/avg, caffe pads, SAME, VALID", "[exec][synthetic]") {
  const auto out = checkAgainstMnn("pooling3d");
  // MNN's caffe-padded average counts the H/W padding but not the D padding (two lowered 2-D
  // pools). At output (c=0, d=0, h=0, w=0) of avg_caffe_pads (kernel 3x2x3, pads 1,0,1) the
  // window covers depths {-1,0,1}, rows {0,1}, columns {-1,0,1}: MNN divides the sum over
  // the 2x2x2 valid cells by 2 (valid depths) x 2 x 3 (rows x columns incl. padding) = 12.
  const Tensor x = readNpy(dataDir("pooling3d") + "/in0.npy");
  float sum = 0.f;
  for (int d = 0; d < 2; ++d)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 2; ++w) sum += x.f[(d * 6 + h) * 7 + w];
  const Tensor ref = readNpy(dataDir("pooling3d") + "/mnn/avg_caffe_pads.npy");
  CHECK(ref.f[0] == Approx(sum / 12.f).margin(1e-6));
  CHECK(out.at("avg_caffe_pads").f[0] == Approx(sum / 12.f).margin(1e-6));
}

TEST_CASE("Deconvolution matches MNN: groups, stride 2, pads, outPads, dilation, SAME, depthwise, relu/relu6",
          "[exec][synthetic]") {
  checkAgainstMnn("deconvolution");
}

TEST_CASE("mnnq inspect no longer lists these ops as unsupported", "[exec][synthetic]") {
  for (const std::string name : {"priorbox", "detection_output", "detection_output_ties", "pooling3d", "deconvolution"}) {
    const InspectReport r = inspectModelFile(dataDir(name) + "/model.mnn");
    INFO(name << ": " << r.executor_check);
    CHECK(r.unsupported_ops.empty());
    CHECK(r.executor_check.empty());
  }
}

// The model with an int8 quant attribute (scale 1/64) on every tensor (from tensor `first` on),
// as `exec_make_synthetic_models --quant-attrs` writes it for the MNN check.
Graph withQuantAttributes(const std::string& name, int first = 0) {
  Graph g = Graph::load(dataDir(name) + "/model.mnn");
  auto net = std::make_unique<schema::NetT>(g.net());
  for (int t = first; t < static_cast<int>(net->tensorName.size()); ++t) {
    auto d = std::make_unique<schema::TensorDescribeT>();
    d->index = t;
    d->quantInfo = std::make_unique<schema::TensorQuantInfoT>();
    d->quantInfo->scale = 1.f / 64.f;
    d->quantInfo->min = -128;
    d->quantInfo->max = 127;
    d->quantInfo->type = schema::DataType_DT_INT8;
    net->extraTensorDescribe.push_back(std::move(d));
  }
  return Graph::fromNet(std::move(net), name + " with quant attributes");
}

TEST_CASE("Int8 simulation keeps PriorBox, DetectionOutput and Deconvolution in float", "[exec][synthetic]") {
  // MNN run on these models with a quant attribute on every tensor gave exactly its float
  // outputs (these ops never run int8), except the deconvolution model's Slice + Concat, whose
  // int8 Rasters round their values: that output's MNN result is mnn_quant_attrs/.
  for (const std::string name : {"priorbox", "detection_output", "deconvolution"}) {
    const Graph g = withQuantAttributes(name);
    ExecutorOptions options;
    options.simulate_int8 = true;
    const Executor ex(g, options);
    const auto out = ex.run(readInputs(g, dataDir(name)));
    for (int t : g.outputs()) {
      const std::string outName = g.tensorName(t);
      const bool viaInt8Raster = outName == "group2_concat";
      const Tensor ref = readNpy(dataDir(name) + (viaInt8Raster ? "/mnn_quant_attrs/" : "/mnn/") + outName + ".npy");
      const test::Agreement a = test::compareTensors(out.at(t), ref);
      INFO(name << " / " << outName << ": cosine " << a.cosine << ", max abs error " << a.maxAbsError);
      CHECK(out.at(t).shape == ref.shape);
      CHECK(test::agrees(a, 0.99999, 1e-4));
    }
  }
}

TEST_CASE("Int8 simulation runs a windowed Pooling3D in int8 as MNN does", "[exec][synthetic]") {
  // With a quant attribute on the input (or only on the outputs: it propagates backwards) MNN
  // runs the two lowered pools in int8; mnn_quant_attrs/ holds its outputs (the same for both
  // placements), far from the float ones (max pooling even changes sign through the x86
  // signed-byte order).
  for (int first : {0, 1}) {  // tensor 0 is the input x
    const Graph g = withQuantAttributes("pooling3d", first);
    ExecutorOptions options;
    options.simulate_int8 = true;
    const Executor ex(g, options);
    const auto out = ex.run(readInputs(g, dataDir("pooling3d")));
    for (int t : g.outputs()) {
      const std::string outName = g.tensorName(t);
      const Tensor ref = readNpy(dataDir("pooling3d") + "/mnn_quant_attrs/" + outName + ".npy");
      const Tensor floatRef = readNpy(dataDir("pooling3d") + "/mnn/" + outName + ".npy");
      const test::Agreement a = test::compareTensors(out.at(t), ref);
      INFO("attributes from tensor " << first << ", " << outName << ": cosine " << a.cosine << ", max abs error "
                                     << a.maxAbsError);
      CHECK(out.at(t).shape == ref.shape);
      CHECK(test::agrees(a, 0.99999, 1e-4));
      CHECK(test::compareTensors(ref, floatRef).cosine < 0.9999);  // int8 really differs here
    }
  }
}

TEST_CASE("Variants MNN cannot run are refused at load time", "[exec][synthetic]") {
  SECTION("Deconvolution without bias (MNN 3.6.1 crashes)") {
    for (auto type : {schema::OpType_Deconvolution, schema::OpType_DeconvolutionDepthwise}) {
      OneOpModel m;
      const int x = m.input("x", {1, 2, 3, 3});
      auto p = std::make_unique<schema::Convolution2DT>();
      p->common = std::make_unique<schema::Convolution2DCommonT>();
      p->common->inputCount = 2;
      p->common->outputCount = 2;
      p->common->group = type == schema::OpType_Deconvolution ? 1 : 2;
      p->common->kernelX = p->common->kernelY = 1;
      p->weight.assign(type == schema::OpType_Deconvolution ? 4 : 2, 0.5f);
      m.op(type, {x}, schema::OpParameter_Convolution2D, std::move(p));
      CHECK_THAT(m.refusal(), Catch::Contains("bias"));
    }
  }
  SECTION("Deconvolution with group > 1 (MNN returns uninitialised values)") {
    OneOpModel m;
    const int x = m.input("x", {1, 4, 3, 3});
    auto p = std::make_unique<schema::Convolution2DT>();
    p->common = std::make_unique<schema::Convolution2DCommonT>();
    p->common->inputCount = 4;
    p->common->outputCount = 4;
    p->common->group = 2;
    p->common->kernelX = p->common->kernelY = 1;
    p->weight.assign(8, 0.5f);
    p->bias.assign(4, 0.f);
    m.op(schema::OpType_Deconvolution, {x}, schema::OpParameter_Convolution2D, std::move(p));
    CHECK_THAT(m.refusal(), Catch::Contains("group"));
  }
  SECTION("DetectionOutput with one location per class (shareLocation = 0)") {
    OneOpModel m;
    const int priors = 3, classes = 2;
    const int loc = m.input("loc", {1, priors * 4 * classes, 1, 1});
    const int conf = m.input("conf", {1, priors * classes, 1, 1});
    const int prior = m.input("prior", {1, 2, priors * 4, 1});
    auto p = std::make_unique<schema::DetectionOutputT>();
    p->classCount = classes;
    p->keepTopK = 5;
    p->shareLocation = 0;
    m.op(schema::OpType_DetectionOutput, {loc, conf, prior}, schema::OpParameter_DetectionOutput, std::move(p));
    CHECK_THAT(m.refusal(), Catch::Contains("shareLocation"));
  }
  SECTION("PriorBox with one variance (MNN reads four)") {
    OneOpModel m;
    const int feat = m.input("feat", {1, 1, 2, 2});
    const int image = m.input("image", {1, 1, 8, 8});
    auto p = std::make_unique<schema::PriorBoxT>();
    p->minSizes = {2.f};
    p->variances = {0.1f};
    m.op(schema::OpType_PriorBox, {feat, image}, schema::OpParameter_PriorBox, std::move(p));
    CHECK_THAT(m.refusal(), Catch::Contains("variance"));
  }
  SECTION("Windowed Pooling3D on a 4-D tensor") {
    OneOpModel m;
    const int x = m.input("x", {1, 2, 4, 4});
    auto p = std::make_unique<schema::Pool3DT>();
    p->kernels = {2, 2, 2};
    p->strides = {1, 1, 1};
    p->pads = {0, 0, 0};
    m.op(schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D, std::move(p));
    CHECK_THAT(m.refusal(), Catch::Contains("5-D"));
  }
}
