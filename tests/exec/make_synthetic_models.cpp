// Writes the small synthetic models of tests/exec/data (PriorBox, DetectionOutput, windowed
// Pooling3D, Deconvolution; the float int8_* graphs that MNN's quantized.out then quantizes) with
// mnnq's own model writer, and their input .npy files.
// The reference outputs next to them come from the real MNN runtime (see tests/exec/data/README.md);
// this program only makes the models and inputs, it never runs anything.
//
//   exec_make_synthetic_models OUT_DIR     -> OUT_DIR/<name>/model.mnn, OUT_DIR/<name>/in*.npy
//   exec_make_synthetic_models --quant-attrs MODEL.mnn OUT.mnn
//       copy of MODEL with an int8 quant attribute (scale 1/64) on every tensor, to see which of
//       these ops MNN's runtime then runs in int8 (only the pools of a windowed Pooling3D).
//   exec_make_synthetic_models --winograd-scale-out QUANT.mnn OUT.mnn
//       copy of a quantized.out file whose Winograd int8 convolutions get output parameters
//       different from their output tensors' (int8_winograd/EMA_scaleout).
#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <boost/filesystem.hpp>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace mnnq;

namespace {

// Deterministic values (a fixed LCG), so the committed inputs can be regenerated bit for bit.
class Values {
 public:
  explicit Values(uint32_t seed) : s_(seed) {}
  float uniform() {  // [0, 1)
    s_ = s_ * 1664525u + 1013904223u;
    return static_cast<float>(s_ >> 8) / 16777216.f;
  }
  float symmetric(float a) { return (2.f * uniform() - 1.f) * a; }

 private:
  uint32_t s_;
};

class NetBuilder {
 public:
  explicit NetBuilder(schema::NetSource source) { net_.sourceType = source; }

  int tensor(const std::string& name) {
    net_.tensorName.push_back(name);
    return static_cast<int>(net_.tensorName.size()) - 1;
  }
  int input(const std::string& name, std::vector<int> dims, schema::MNN_DATA_FORMAT format) {
    const int t = tensor(name);
    auto p = std::make_unique<schema::InputT>();
    p->dims = std::move(dims);
    p->dformat = format;
    auto op = newOp(name, schema::OpType_Input, {}, {t});
    op->main.type = schema::OpParameter_Input;
    op->main.value = p.release();
    net_.oplists.push_back(std::move(op));
    return t;
  }
  // An op with one output tensor named like the op; returns that tensor.
  template <typename Param>
  int op(const std::string& name, schema::OpType type, std::vector<int> inputs,
         schema::OpParameter paramType, std::unique_ptr<Param> param, bool isOutput = true) {
    const int t = tensor(name);
    auto o = newOp(name, type, std::move(inputs), {t});
    o->main.type = paramType;
    o->main.value = param.release();
    net_.oplists.push_back(std::move(o));
    if (isOutput) net_.outputName.push_back(name);
    return t;
  }
  // Slice along `axis` at `point` into two tensors named <name>_0 and <name>_1.
  std::pair<int, int> slice2(const std::string& name, int in, int axis, int point) {
    const int a = tensor(name + "_0"), b = tensor(name + "_1");
    auto p = std::make_unique<schema::SliceT>();
    p->axis = axis;
    p->slicePoints = {point};
    p->sourceType = schema::NetSource_CAFFE;
    auto o = newOp(name, schema::OpType_Slice, {in}, {a, b});
    o->main.type = schema::OpParameter_Slice;
    o->main.value = p.release();
    net_.oplists.push_back(std::move(o));
    return {a, b};
  }
  void save(const std::string& path) {
    net_.tensorNumber = static_cast<int>(net_.tensorName.size());
    saveNet(net_, path);
  }

 private:
  std::unique_ptr<schema::OpT> newOp(const std::string& name, schema::OpType type, std::vector<int> in,
                                     std::vector<int> out) {
    auto o = std::make_unique<schema::OpT>();
    o->name = name;
    o->type = type;
    o->inputIndexes = std::move(in);
    o->outputIndexes = std::move(out);
    return o;
  }
  schema::NetT net_;
};

Tensor filled(std::vector<int> shape, Values& v, float amplitude) {
  Tensor t;
  t.shape = std::move(shape);
  int64_t n = 1;
  for (int d : t.shape) n *= d;
  t.f.resize(n);
  for (auto& x : t.f) x = v.symmetric(amplitude);
  return t;
}

std::unique_ptr<schema::PriorBoxT> priorBox(std::vector<float> minSizes, std::vector<float> maxSizes,
                                            std::vector<float> ratios, bool flip, bool clip,
                                            std::vector<float> variances, int imageW, int imageH, int stepW,
                                            int stepH, float offset) {
  auto p = std::make_unique<schema::PriorBoxT>();
  p->minSizes = std::move(minSizes);
  p->maxSizes = std::move(maxSizes);
  p->aspectRatios = std::move(ratios);
  p->flip = flip;
  p->clip = clip;
  p->variances = std::move(variances);
  p->imageWidth = imageW;
  p->imageHeight = imageH;
  p->stepWidth = stepW;
  p->stepHeight = stepH;
  p->offset = offset;
  return p;
}

// PriorBox variants: sizes from the image input or the parameters, steps derived (non-integral,
// 29/5 and 26/3) or given, min/max sizes, ratios with flip and duplicates, clip on/off, offsets.
void writePriorBox(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  const int feat = b.input("feat", {1, 4, 3, 5}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int image = b.input("image", {1, 1, 26, 29}, schema::MNN_DATA_FORMAT_NC4HW4);
  b.op("prior_image_size", schema::OpType_PriorBox, {feat, image}, schema::OpParameter_PriorBox,
       priorBox({8.f}, {16.f}, {2.f}, true, false, {0.1f, 0.1f, 0.2f, 0.2f}, 0, 0, 0, 0, 0.5f));
  b.op("prior_params_clip", schema::OpType_PriorBox, {feat, image}, schema::OpParameter_PriorBox,
       priorBox({6.f, 12.f}, {10.f, 20.f}, {2.f, 3.f, 0.5f}, true, true, {0.1f, 0.2f, 0.3f, 0.4f}, 40, 30, 6, 5,
                0.3f));
  b.op("prior_noflip_nomax", schema::OpType_PriorBox, {feat, image}, schema::OpParameter_PriorBox,
       priorBox({10.f, 25.f}, {}, {1.f, 2.f, 1.f / 3.f}, false, true, {0.1f, 0.1f, 0.2f, 0.2f}, 0, 0, 4, 0, 0.f));
  b.save(dir + "/model.mnn");
  Values v(1);
  writeNpy(dir + "/in0.npy", filled({1, 4, 3, 5}, v, 1.f));
  writeNpy(dir + "/in1.npy", filled({1, 1, 26, 29}, v, 1.f));
}

std::unique_ptr<schema::DetectionOutputT> detection(int classes, float nms, int keepTopK, float confidence,
                                                    int background, int codeType) {
  auto p = std::make_unique<schema::DetectionOutputT>();
  p->classCount = classes;
  p->nmsThresholdold = nms;
  p->nmsTopK = 400;
  p->keepTopK = keepTopK;
  p->confidenceThreshold = confidence;
  p->shareLocation = 1;
  p->backgroundLable = background;
  p->varianceEncodedTarget = 0;
  p->codeType = codeType;
  return p;
}

// SSD head: priors from a PriorBox on (feat, image), loc/conf as inputs, several
// DetectionOutput parameter sets on the same inputs. `coarse` quantises the confidences to
// eighths so that many scores tie (MNN's sort order then decides which boxes NMS keeps).
void writeDetection(const std::string& dir, bool coarse) {
  const int classes = 4, h = 3, w = 4;
  NetBuilder b(schema::NetSource_CAFFE);
  // 2 min sizes x (1 + ratios 2, 1/2) + 2 max sizes = 8 priors per cell.
  const int priorsPerCell = 8, priors = h * w * priorsPerCell;
  const int loc = b.input("loc", {1, priors * 4, 1, 1}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int conf = b.input("conf", {1, priors * classes, 1, 1}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int feat = b.input("feat", {1, 2, h, w}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int image = b.input("image", {1, 1, 24, 32}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int armConf = b.input("arm_conf", {1, priors * 2, 1, 1}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int armLoc = b.input("arm_loc", {1, priors * 4, 1, 1}, schema::MNN_DATA_FORMAT_NC4HW4);
  const int prior = b.op("priors", schema::OpType_PriorBox, {feat, image}, schema::OpParameter_PriorBox,
                         priorBox({6.f, 12.f}, {9.f, 18.f}, {2.f}, true, true, {0.1f, 0.1f, 0.2f, 0.2f}, 0, 0, 0, 0,
                                  0.5f),
                         false);
  b.op("det_top10", schema::OpType_DetectionOutput, {loc, conf, prior}, schema::OpParameter_DetectionOutput,
       detection(classes, 0.45f, 10, 0.3f, 0, 0));
  b.op("det_all_corner_bg2", schema::OpType_DetectionOutput, {loc, conf, prior},
       schema::OpParameter_DetectionOutput, detection(classes, 0.3f, 200, 0.5f, 2, 1));
  b.op("det_nms_loose", schema::OpType_DetectionOutput, {loc, conf, prior}, schema::OpParameter_DetectionOutput,
       detection(classes, 0.7f, 25, 0.2f, 0, 2));
  // RefineDet: priors refined by the ARM location, objectness from the ARM confidence.
  auto refine = detection(classes, 0.45f, 30, 0.25f, 0, 2);
  refine->objectnessScore = 0.4f;
  b.op("det_refine", schema::OpType_DetectionOutput, {loc, conf, prior, armConf, armLoc},
       schema::OpParameter_DetectionOutput, std::move(refine));
  b.op("det_none", schema::OpType_DetectionOutput, {loc, conf, prior}, schema::OpParameter_DetectionOutput,
       detection(classes, 0.45f, 10, 0.9999f, 0, 2));
  b.save(dir + "/model.mnn");
  Values v(coarse ? 7 : 3);
  writeNpy(dir + "/in0.npy", filled({1, priors * 4, 1, 1}, v, 0.8f));
  Tensor c = filled({1, priors * classes, 1, 1}, v, 1.f);
  for (auto& x : c.f) {
    x = 0.5f * (x + 1.f);  // [0, 1)
    if (coarse) x = std::floor(x * 8.f) / 8.f;
  }
  writeNpy(dir + "/in1.npy", c);
  writeNpy(dir + "/in2.npy", filled({1, 2, h, w}, v, 1.f));
  writeNpy(dir + "/in3.npy", filled({1, 1, 24, 32}, v, 1.f));
  Tensor objectness = filled({1, priors * 2, 1, 1}, v, 1.f);
  for (auto& x : objectness.f) x = 0.5f * (x + 1.f);
  writeNpy(dir + "/in4.npy", objectness);
  writeNpy(dir + "/in5.npy", filled({1, priors * 4, 1, 1}, v, 0.5f));
}

std::unique_ptr<schema::Pool3DT> pool3d(schema::PoolType type, schema::PoolPadType padType, std::vector<int> kernels,
                                        std::vector<int> strides, std::vector<int> pads) {
  auto p = std::make_unique<schema::Pool3DT>();
  p->type = type;
  p->padType = padType;
  p->kernels = std::move(kernels);
  p->strides = std::move(strides);
  p->pads = std::move(pads);
  return p;
}

// Windowed Pooling3D: max/avg with caffe pads (avg then counts the padding in H/W but not in D,
// as MNN's lowering does), SAME and VALID.
void writePool3D(const std::string& dir) {
  NetBuilder b(schema::NetSource_ONNX);
  const int x = b.input("x", {1, 3, 5, 6, 7}, schema::MNN_DATA_FORMAT_NCHW);
  using schema::PoolType_AVEPOOL;
  using schema::PoolType_MAXPOOL;
  b.op("max_caffe_pads", schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D,
       pool3d(PoolType_MAXPOOL, schema::PoolPadType_CAFFE, {2, 3, 3}, {2, 2, 2}, {1, 1, 1}));
  b.op("avg_caffe_pads", schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D,
       pool3d(PoolType_AVEPOOL, schema::PoolPadType_CAFFE, {3, 2, 3}, {1, 2, 2}, {1, 0, 1}));
  b.op("max_same", schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D,
       pool3d(PoolType_MAXPOOL, schema::PoolPadType_SAME, {3, 3, 3}, {2, 2, 2}, {0, 0, 0}));
  b.op("avg_same", schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D,
       pool3d(PoolType_AVEPOOL, schema::PoolPadType_SAME, {2, 3, 2}, {2, 2, 3}, {0, 0, 0}));
  b.op("avg_valid", schema::OpType_Pooling3D, {x}, schema::OpParameter_Pool3D,
       pool3d(PoolType_AVEPOOL, schema::PoolPadType_VALID, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}));
  b.save(dir + "/model.mnn");
  Values v(5);
  writeNpy(dir + "/in0.npy", filled({1, 3, 5, 6, 7}, v, 2.f));
}

std::unique_ptr<schema::Convolution2DT> deconv(int ic, int oc, int group, int k, int stride, int dilate, int pad,
                                               std::vector<int> pads, std::vector<int> outPads,
                                               schema::PadMode padMode, bool relu, bool relu6, bool bias,
                                               Values& v) {
  auto p = std::make_unique<schema::Convolution2DT>();
  p->common = std::make_unique<schema::Convolution2DCommonT>();
  auto& c = *p->common;
  c.inputCount = ic;
  c.outputCount = oc;
  c.group = group;
  c.kernelX = c.kernelY = k;
  c.strideX = c.strideY = stride;
  c.dilateX = c.dilateY = dilate;
  c.padX = c.padY = pad;
  c.pads = std::move(pads);
  c.outPads = std::move(outPads);
  c.padMode = padMode;
  c.relu = relu;
  c.relu6 = relu6;
  p->weight.resize(size_t(ic) * (oc / group) * k * k);
  for (auto& x : p->weight) x = v.symmetric(0.5f);
  if (bias) {
    p->bias.resize(oc);
    for (auto& x : p->bias) x = v.symmetric(0.3f);
  }
  return p;
}

// Deconvolution variants on one NC4HW4 input [1, 4, 5, 6]. All have a bias: MNN 3.6.1's CPU
// runtime crashes (segmentation fault) on a Deconvolution or DeconvolutionDepthwise without one.
// None is a Deconvolution with group > 1: MNN's runtime returns garbage (uninitialised values up
// to 3e38) for those; groups come as DeconvolutionDepthwise or sliced (below).
void writeDeconvolution(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  const int x = b.input("x", {1, 4, 5, 6}, schema::MNN_DATA_FORMAT_NC4HW4);
  Values v(11);
  const auto caffe = schema::PadMode_CAFFE;
  struct Variant {
    const char* name;
    schema::OpType type;
    int oc, group, k, stride, dilate, pad;
    std::vector<int> pads, outPads;
    schema::PadMode mode;
    bool relu, relu6, bias;
  };
  const std::vector<Variant> variants = {
      {"s2_pad1_bias_relu", schema::OpType_Deconvolution, 6, 1, 3, 2, 1, 1, {}, {}, caffe, true, false, true},
      {"k4_s2_asymmetric_pads", schema::OpType_Deconvolution, 6, 1, 4, 2, 1, 0, {1, 0, 2, 1}, {}, caffe, false, false, true},
      {"dilate2_relu6", schema::OpType_Deconvolution, 3, 1, 3, 1, 2, 1, {}, {}, caffe, false, true, true},
      {"s2_outpads", schema::OpType_Deconvolution, 5, 1, 3, 2, 1, 0, {1, 1, 1, 1}, {1, 0}, caffe, false, false, true},
      {"same_s2", schema::OpType_Deconvolution, 2, 1, 3, 2, 1, 0, {}, {}, schema::PadMode_SAME, false, false, true},
      // MNN applies outPads only without SAME padding.
      {"same_s2_outpads_ignored", schema::OpType_Deconvolution, 2, 1, 3, 2, 1, 0, {}, {1, 1}, schema::PadMode_SAME, false, false, true},
      {"depthwise_s2", schema::OpType_DeconvolutionDepthwise, 4, 4, 3, 2, 1, 1, {}, {}, caffe, true, false, true},
  };
  for (const Variant& d : variants) {
    auto param = deconv(4, d.oc, d.group, d.k, d.stride, d.dilate, d.pad, d.pads, d.outPads, d.mode, d.relu,
                        d.relu6, d.bias, v);
    b.op(d.name, d.type, {x}, schema::OpParameter_Convolution2D, std::move(param));
  }
  // A grouped deconvolution as MNN's converter writes it (TransformGroupConvolution): the
  // runtime cannot run a Deconvolution with group > 1, so the input is sliced per group, each
  // group is its own Deconvolution and the results are concatenated.
  const auto halves = b.slice2("group_slice", x, 1, 2);
  const int g0 = b.op("group2_part0", schema::OpType_Deconvolution, {halves.first}, schema::OpParameter_Convolution2D,
                      deconv(2, 3, 1, 3, 2, 1, 1, {}, {}, caffe, false, false, true, v), false);
  const int g1 = b.op("group2_part1", schema::OpType_Deconvolution, {halves.second}, schema::OpParameter_Convolution2D,
                      deconv(2, 3, 1, 3, 2, 1, 1, {}, {}, caffe, false, false, true, v), false);
  auto axis = std::make_unique<schema::AxisT>();
  axis->axis = 1;
  b.op("group2_concat", schema::OpType_Concat, {g0, g1}, schema::OpParameter_Axis, std::move(axis));
  b.save(dir + "/model.mnn");
  writeNpy(dir + "/in0.npy", filled({1, 4, 5, 6}, v, 1.f));
}

// ---- int8 graphs: small models that MNN's quantized.out quantizes and MNN's int8 runtime runs ----

// A float convolution (or depthwise) with weights ~ U(-a, a), a = gain * sqrt(3 / fan_in), and
// a bias ~ U(-0.1, 0.1).
std::unique_ptr<schema::Convolution2DT> conv(int ic, int oc, int k, int stride, int group, bool relu,
                                             bool relu6, Values& v, float gain = 1.4f) {
  auto p = std::make_unique<schema::Convolution2DT>();
  p->common = std::make_unique<schema::Convolution2DCommonT>();
  auto& c = *p->common;
  c.inputCount = ic;
  c.outputCount = oc;
  c.group = group;
  c.kernelX = c.kernelY = k;
  c.strideX = c.strideY = stride;
  c.padX = c.padY = k / 2;
  c.relu = relu;
  c.relu6 = relu6;
  const int fanIn = ic / group * k * k;
  const float a = gain * std::sqrt(3.f / float(fanIn));
  p->weight.resize(size_t(oc) * (ic / group) * k * k);
  for (auto& x : p->weight) x = v.symmetric(a);
  p->bias.resize(oc);
  for (auto& x : p->bias) x = v.symmetric(0.1f);
  return p;
}

std::unique_ptr<schema::PoolT> pool(schema::PoolType type, int k, int stride, bool global) {
  auto p = std::make_unique<schema::PoolT>();
  p->type = type;
  p->kernelX = p->kernelY = k;
  p->strideX = p->strideY = stride;
  p->isGlobal = global;
  return p;
}

std::unique_ptr<schema::TensorConvertInfoT> convert(schema::MNN_DATA_FORMAT from, schema::MNN_DATA_FORMAT to) {
  auto p = std::make_unique<schema::TensorConvertInfoT>();
  p->source = from;
  p->dest = to;
  return p;
}

std::unique_ptr<schema::BinaryOpT> binary(schema::BinaryOpOperation type) {
  auto p = std::make_unique<schema::BinaryOpT>();
  p->opType = type;
  return p;
}

std::unique_ptr<schema::UnaryOpT> unary(schema::UnaryOpOperation type) {
  auto p = std::make_unique<schema::UnaryOpT>();
  p->opType = type;
  return p;
}

// Segmentation-like graph (ONNX style: NCHW input, ConvertTensor into NC4HW4 and back out):
// conv + hard-swish, depthwise + hard-swish, squeeze-excite (global average pool, 1x1 convs, Sigmoid, Mul
// broadcast over H, W), projection + Eltwise SUM, average pool, bilinear Interp x2 + BinaryOp
// ADD, max pool + nearest Interp, Deconvolution 2x2 s2, Sigmoid probability map.
void writeInt8Segmentation(const std::string& dir) {
  NetBuilder b(schema::NetSource_ONNX);
  Values v(21);
  const auto NCHW = schema::MNN_DATA_FORMAT_NCHW, NC4 = schema::MNN_DATA_FORMAT_NC4HW4;
  using namespace schema;
  const int x = b.input("input", {1, 3, 64, 64}, NCHW);
  const int xc = b.op("to_nc4hw4", OpType_ConvertTensor, {x}, OpParameter_TensorConvertInfo, convert(NCHW, NC4), false);
  const int c1 = b.op("conv1", OpType_Convolution, {xc}, OpParameter_Convolution2D, conv(3, 16, 3, 2, 1, false, false, v), false);
  const int h1 = b.op("hswish1", OpType_UnaryOp, {c1}, OpParameter_UnaryOp, unary(UnaryOpOperation_HARDSWISH), false);
  const int d0 = b.op("dw1", OpType_ConvolutionDepthwise, {h1}, OpParameter_Convolution2D, conv(16, 16, 3, 1, 16, false, false, v), false);
  const int d1 = b.op("hswish_dw1", OpType_UnaryOp, {d0}, OpParameter_UnaryOp, unary(UnaryOpOperation_HARDSWISH), false);
  const int gp = b.op("se_pool", OpType_Pooling, {d1}, OpParameter_Pool, pool(PoolType_AVEPOOL, 1, 1, true), false);
  const int s1 = b.op("se_fc1", OpType_Convolution, {gp}, OpParameter_Convolution2D, conv(16, 8, 1, 1, 1, true, false, v), false);
  const int s2 = b.op("se_fc2", OpType_Convolution, {s1}, OpParameter_Convolution2D, conv(8, 16, 1, 1, 1, false, false, v), false);
  const int sg = b.op("se_gate", OpType_Sigmoid, {s2}, OpParameter_NONE, std::unique_ptr<schema::AxisT>(), false);
  const int se = b.op("se_mul", OpType_BinaryOp, {d1, sg}, OpParameter_BinaryOp, binary(BinaryOpOperation_MUL), false);
  const int pr = b.op("project", OpType_Convolution, {se}, OpParameter_Convolution2D, conv(16, 16, 1, 1, 1, false, false, v), false);
  auto sum = std::make_unique<schema::EltwiseT>();
  sum->type = EltwiseType_SUM;
  const int res = b.op("residual", OpType_Eltwise, {pr, h1}, OpParameter_Eltwise, std::move(sum), false);
  const int ap = b.op("avgpool", OpType_Pooling, {res}, OpParameter_Pool, pool(PoolType_AVEPOOL, 2, 2, false), false);
  const int c2 = b.op("conv2", OpType_Convolution, {ap}, OpParameter_Convolution2D, conv(16, 24, 3, 1, 1, false, false, v), false);
  const int h2 = b.op("hswish2", OpType_UnaryOp, {c2}, OpParameter_UnaryOp, unary(UnaryOpOperation_HARDSWISH), false);
  const int c3 = b.op("conv3", OpType_Convolution, {h2}, OpParameter_Convolution2D, conv(24, 16, 1, 1, 1, false, false, v), false);
  auto up = std::make_unique<schema::InterpT>();
  up->resizeType = 2;
  up->outputWidth = up->outputHeight = 32;
  up->widthScale = up->heightScale = 0.5f;
  up->halfPixelCenters = true;
  up->ctm = CoordinateTransformationMode_HalfPixels;
  const int ub = b.op("up_bilinear", OpType_Interp, {c3}, OpParameter_Interp, std::move(up), false);
  const int add = b.op("merge_add", OpType_BinaryOp, {ub, res}, OpParameter_BinaryOp, binary(BinaryOpOperation_ADD), false);
  const int mp = b.op("maxpool", OpType_Pooling, {add}, OpParameter_Pool, pool(PoolType_MAXPOOL, 2, 2, false), false);
  auto nearest = std::make_unique<schema::InterpT>();
  nearest->resizeType = 1;
  nearest->outputWidth = nearest->outputHeight = 32;
  nearest->widthScale = nearest->heightScale = 0.5f;
  const int un = b.op("up_nearest", OpType_Interp, {mp}, OpParameter_Interp, std::move(nearest), false);
  const int h3 = b.op("merge_sub", OpType_BinaryOp, {add, un}, OpParameter_BinaryOp, binary(BinaryOpOperation_SUB), false);
  auto dc = deconv(16, 1, 1, 2, 2, 1, 0, {}, {}, PadMode_CAFFE, false, false, true, v);
  const int de = b.op("deconv", OpType_Deconvolution, {h3}, OpParameter_Convolution2D, std::move(dc), false);
  const int pm = b.op("prob", OpType_Sigmoid, {de}, OpParameter_NONE, std::unique_ptr<schema::AxisT>(), false);
  b.op("prob_nchw", OpType_ConvertTensor, {pm}, OpParameter_TensorConvertInfo, convert(NC4, NCHW));
  b.op("features", OpType_ConvertTensor, {h3}, OpParameter_TensorConvertInfo, convert(NC4, NCHW));
  b.save(dir + "/model.mnn");
}

// SSD-like detector head (Caffe style, NC4HW4): conv, Normalize (per-channel scale), loc/conf
// convs, Permute + Reshape, Softmax over classes, PriorBox on (feature, image), DetectionOutput.
void writeInt8Ssd(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  Values v(23);
  using namespace schema;
  const auto NC4 = MNN_DATA_FORMAT_NC4HW4;
  const int x = b.input("data", {1, 3, 48, 64}, NC4);
  const int c1 = b.op("conv1", OpType_Convolution, {x}, OpParameter_Convolution2D, conv(3, 16, 3, 2, 1, true, false, v), false);
  const int c2 = b.op("conv2", OpType_Convolution, {c1}, OpParameter_Convolution2D, conv(16, 16, 3, 2, 1, true, false, v), false);
  auto norm = std::make_unique<schema::NormalizeT>();
  norm->acrossSpatial = 0;
  norm->channelShared = 0;
  norm->eps = 1e-10f;
  for (int c = 0; c < 16; ++c) norm->scale.push_back(10.f + 10.f * v.uniform());
  const int nm = b.op("conv2_norm", OpType_Normalize, {c2}, OpParameter_Normalize, std::move(norm), false);
  const int priorsPerCell = 6, classes = 2;  // 2 min sizes x (1 + ratios 2, 1/2)
  const int loc = b.op("loc", OpType_Convolution, {nm}, OpParameter_Convolution2D, conv(16, priorsPerCell * 4, 3, 1, 1, false, false, v, 0.3f), false);
  const int cf = b.op("conf", OpType_Convolution, {nm}, OpParameter_Convolution2D, conv(16, priorsPerCell * classes, 3, 1, 1, false, false, v, 0.7f), false);
  auto perm = [](std::vector<int> d) {
    auto p = std::make_unique<schema::PermuteT>();
    p->dims = std::move(d);
    return p;
  };
  auto reshape = [](std::vector<int> d) {
    auto p = std::make_unique<schema::ReshapeT>();
    p->dims = std::move(d);
    p->dimType = MNN_DATA_FORMAT_NCHW;
    return p;
  };
  const int lp = b.op("loc_perm", OpType_Permute, {loc}, OpParameter_Permute, perm({0, 2, 3, 1}), false);
  const int lf = b.op("loc_flat", OpType_Reshape, {lp}, OpParameter_Reshape, reshape({1, -1}));
  const int cp = b.op("conf_perm", OpType_Permute, {cf}, OpParameter_Permute, perm({0, 2, 3, 1}), false);
  const int cr = b.op("conf_reshape", OpType_Reshape, {cp}, OpParameter_Reshape, reshape({1, -1, classes}), false);
  auto axis = std::make_unique<schema::AxisT>();
  axis->axis = 2;
  const int sm = b.op("conf_softmax", OpType_Softmax, {cr}, OpParameter_Axis, std::move(axis), false);
  const int cflat = b.op("conf_flat", OpType_Reshape, {sm}, OpParameter_Reshape, reshape({1, -1}));
  const int pri = b.op("priors", OpType_PriorBox, {nm, x}, OpParameter_PriorBox,
                       priorBox({8.f, 16.f}, {}, {2.f}, true, true, {0.1f, 0.1f, 0.2f, 0.2f}, 0, 0, 0, 0, 0.5f), false);
  b.op("detection_out", OpType_DetectionOutput, {lf, cflat, pri}, OpParameter_DetectionOutput,
       detection(classes, 0.45f, 20, 0.3f, 0, 2));
  b.save(dir + "/model.mnn");
}

// Probability-map head: features, then a 1x1 convolution whose bias makes most logits strongly
// negative (background) and a few positive (foreground), then Sigmoid as the graph output; with
// a Deconvolution in between as text detectors have.
void writeInt8ProbabilityMap(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  Values v(29);
  using namespace schema;
  const int x = b.input("data", {1, 3, 64, 64}, MNN_DATA_FORMAT_NC4HW4);
  const int c1 = b.op("conv1", OpType_Convolution, {x}, OpParameter_Convolution2D, conv(3, 16, 3, 2, 1, true, false, v), false);
  const int c2 = b.op("conv2", OpType_Convolution, {c1}, OpParameter_Convolution2D, conv(16, 16, 3, 1, 1, true, false, v), false);
  auto head = conv(16, 1, 1, 1, 1, false, false, v, 8.f);
  head->bias[0] = -1.f;
  const int lg = b.op("logits", OpType_Convolution, {c2}, OpParameter_Convolution2D, std::move(head), false);
  auto dc = deconv(1, 1, 1, 2, 2, 1, 0, {}, {}, PadMode_CAFFE, false, false, true, v);
  for (auto& w : dc->weight) w = 1.f;
  dc->bias[0] = 0.f;
  const int up = b.op("up", OpType_Deconvolution, {lg}, OpParameter_Convolution2D, std::move(dc), false);
  b.op("prob", OpType_Sigmoid, {up}, OpParameter_NONE, std::unique_ptr<schema::AxisT>());
  b.save(dir + "/model.mnn");
}

// Decoder-like chain as in segmentation models: conv + hard-swish, conv, bilinear Interp x2,
// conv, Sigmoid output. EMA gives the Interp's input (a conv output) and its output (the next
// conv's input) different parameters.
void writeInt8InterpChain(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  Values v(31);
  using namespace schema;
  const int x = b.input("data", {1, 3, 64, 64}, MNN_DATA_FORMAT_NC4HW4);
  const int c1 = b.op("conv1", OpType_Convolution, {x}, OpParameter_Convolution2D, conv(3, 16, 3, 2, 1, false, false, v), false);
  const int h1 = b.op("hswish1", OpType_UnaryOp, {c1}, OpParameter_UnaryOp, unary(UnaryOpOperation_HARDSWISH), false);
  const int c2 = b.op("conv2", OpType_Convolution, {h1}, OpParameter_Convolution2D, conv(16, 16, 3, 1, 1, false, false, v), false);
  auto up = std::make_unique<schema::InterpT>();
  up->resizeType = 2;
  up->outputWidth = up->outputHeight = 64;
  up->widthScale = up->heightScale = 0.5f;
  up->halfPixelCenters = true;
  up->ctm = CoordinateTransformationMode_HalfPixels;
  const int ub = b.op("upsample", OpType_Interp, {c2}, OpParameter_Interp, std::move(up), false);
  const int c3 = b.op("conv3", OpType_Convolution, {ub}, OpParameter_Convolution2D, conv(16, 1, 3, 1, 1, false, false, v), false);
  b.op("mask", OpType_Sigmoid, {c3}, OpParameter_NONE, std::unique_ptr<schema::AxisT>());
  b.save(dir + "/model.mnn");
}

// Channels-last graph as MNN's converter writes TFLite models (MediaPipe's selfie segmentation):
// NHWC input and ConvertTensor around every convolution, so the squeeze-excite BinaryOp MUL, the
// Eltwise SUM and a second BinaryOp ADD run on NHWC tensors. MNN lowers a BinaryOp on NHWC
// tensors where exactly one input needs broadcasting to a Loop command (GeometryBinary), which
// its CPU backend runs in float; the same-shape ADD stays a BinaryOp command.
void writeInt8ChannelsLast(const std::string& dir) {
  NetBuilder b(schema::NetSource_TFLITE);
  Values v(37);
  using namespace schema;
  const auto NHWC = MNN_DATA_FORMAT_NHWC, NC4 = MNN_DATA_FORMAT_NC4HW4;
  const int x = b.input("input", {1, 64, 64, 3}, NHWC);
  const int xc = b.op("input_nc4", OpType_ConvertTensor, {x}, OpParameter_TensorConvertInfo, convert(NHWC, NC4), false);
  const int c1 = b.op("conv1", OpType_Convolution, {xc}, OpParameter_Convolution2D, conv(3, 16, 3, 2, 1, false, false, v), false);
  const int h1 = b.op("hswish1", OpType_UnaryOp, {c1}, OpParameter_UnaryOp, unary(UnaryOpOperation_HARDSWISH), false);
  const int f = b.op("hswish1_nhwc", OpType_ConvertTensor, {h1}, OpParameter_TensorConvertInfo, convert(NC4, NHWC), false);
  const int gp = b.op("se_pool", OpType_Pooling, {h1}, OpParameter_Pool, pool(PoolType_AVEPOOL, 1, 1, true), false);
  const int s1 = b.op("se_fc1", OpType_Convolution, {gp}, OpParameter_Convolution2D, conv(16, 8, 1, 1, 1, true, false, v), false);
  const int s2 = b.op("se_fc2", OpType_Convolution, {s1}, OpParameter_Convolution2D, conv(8, 16, 1, 1, 1, false, false, v), false);
  const int sg = b.op("se_gate", OpType_Sigmoid, {s2}, OpParameter_NONE, std::unique_ptr<schema::AxisT>(), false);
  const int sgn = b.op("se_gate_nhwc", OpType_ConvertTensor, {sg}, OpParameter_TensorConvertInfo, convert(NC4, NHWC), false);
  const int se = b.op("se_mul", OpType_BinaryOp, {f, sgn}, OpParameter_BinaryOp, binary(BinaryOpOperation_MUL));
  const int c2 = b.op("skip_conv", OpType_Convolution, {h1}, OpParameter_Convolution2D, conv(16, 16, 1, 1, 1, false, false, v), false);
  const int c2n = b.op("skip_conv_nhwc", OpType_ConvertTensor, {c2}, OpParameter_TensorConvertInfo, convert(NC4, NHWC), false);
  auto sum = std::make_unique<schema::EltwiseT>();
  sum->type = EltwiseType_SUM;
  const int res = b.op("residual", OpType_Eltwise, {se, c2n}, OpParameter_Eltwise, std::move(sum), false);
  const int add = b.op("merge_add", OpType_BinaryOp, {res, f}, OpParameter_BinaryOp, binary(BinaryOpOperation_ADD), false);
  const int ac = b.op("merge_nc4", OpType_ConvertTensor, {add}, OpParameter_TensorConvertInfo, convert(NHWC, NC4), false);
  const int c3 = b.op("head", OpType_Convolution, {ac}, OpParameter_Convolution2D, conv(16, 1, 1, 1, 1, false, false, v), false);
  const int pm = b.op("prob", OpType_Sigmoid, {c3}, OpParameter_NONE, std::unique_ptr<schema::AxisT>(), false);
  b.op("mask", OpType_ConvertTensor, {pm}, OpParameter_TensorConvertInfo, convert(NC4, NHWC));
  b.save(dir + "/model.mnn");
}

// A convolution with any kernel, padding and stride (no activation).
std::unique_ptr<schema::Convolution2DT> convK(int ic, int oc, int kY, int kX, int padY, int padX, int stride,
                                              Values& v) {
  auto p = conv(ic, oc, 1, stride, 1, false, false, v);
  auto& c = *p->common;
  c.kernelY = kY;
  c.kernelX = kX;
  c.padY = padY;
  c.padX = padX;
  const float a = 1.4f * std::sqrt(3.f / float(ic * kY * kX));
  p->weight.resize(size_t(oc) * ic * kY * kX);
  for (auto& x : p->weight) x = v.symmetric(a);
  return p;
}

// Convolutions for which quantized.out's EMA (Winograd on) picks every int8 Winograd tile it
// can write, by its cost model (input 24x24): F(4x4,3x3) with partial tiles and no padding,
// F(3x3,4x4) with full and with partial tiles, F(5x5,2x2), F(2x2,3x3), F(2x2,5x5), F(3x3,2x2)
// (the 2-point tiles need 32-40 channels to be worth it). Each Winograd convolution feeds another
// convolution (a convolution followed by a ReLU, or the last one, does not get Winograd).
void writeInt8Winograd(const std::string& dir) {
  NetBuilder b(schema::NetSource_CAFFE);
  Values v(47);
  using namespace schema;
  const int x = b.input("data", {1, 3, 24, 24}, MNN_DATA_FORMAT_NC4HW4);
  auto cv = [&](const std::string& name, int in, int ic, int oc, int k, int pad, int stride = 1, int kX = 0,
                bool out = false) {
    return b.op(name, OpType_Convolution, {in}, OpParameter_Convolution2D,
                convK(ic, oc, k, kX ? kX : k, pad, pad, stride, v), out);
  };
  const int l0 = cv("lift", x, 3, 32, 1, 0);              // 24x24, 1x1: never Winograd
  const int w22 = cv("k3_u4_valid", l0, 32, 16, 3, 0);    // 22x22, F(4,3), 6x6 tiles, last partial
  const int w21 = cv("k4_u3_full", l0, 32, 16, 4, 0);     // 21x21, F(3,4), 7x7 full tiles
  const int w20 = cv("k2_u5", w21, 16, 16, 2, 0);         // 20x20, F(5,2)
  const int m12 = cv("down", l0, 32, 32, 3, 1, 2);        // 12x12, stride 2: never Winograd
  const int w12a = cv("k3_u2", m12, 32, 32, 3, 1);        // 12x12, F(2,3)
  const int w12e = cv("k5_u2", m12, 32, 16, 5, 2);        // 12x12, F(2,5)
  const int w11 = cv("k4_u3_partial", m12, 32, 40, 4, 1); // 11x11, F(3,4), 4x4 tiles, last partial
  const int w12b = cv("k2_u3", w11, 40, 40, 2, 1);        // 12x12, F(3,2)
  cv("head_k3_u4", w22, 16, 4, 1, 0, 1, 0, true);
  cv("head_k2_u5", w20, 16, 4, 1, 0, 1, 0, true);
  cv("head_k3_u2", w12a, 32, 4, 1, 0, 1, 0, true);
  cv("head_k5_u2", w12e, 16, 4, 1, 0, 1, 0, true);
  cv("head_k2_u3", w12b, 40, 4, 1, 0, 1, 0, true);
  b.save(dir + "/model.mnn");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--quant-attrs") {
    Graph g = Graph::load(argv[2]);
    auto& net = g.net();
    for (int t = 0; t < static_cast<int>(net.tensorName.size()); ++t) {
      auto d = std::make_unique<schema::TensorDescribeT>();
      d->index = t;
      d->quantInfo = std::make_unique<schema::TensorQuantInfoT>();
      d->quantInfo->scale = 1.f / 64.f;
      d->quantInfo->min = -128;
      d->quantInfo->max = 127;
      d->quantInfo->type = schema::DataType_DT_INT8;
      net.extraTensorDescribe.push_back(std::move(d));
    }
    saveNet(net, argv[3]);
    return 0;
  }
  if (argc == 4 && std::string(argv[1]) == "--winograd-scale-out") {
    // Gives every convolution with Winograd int8 attributes its own output parameters, different
    // from its output tensor's (scaleOut * 1.25, output zero point + 3, or - 3 above 124): MNN's int8 Winograd
    // executor requantises with those, and the tensor's attribute reads the result.
    Graph g = Graph::load(argv[2]);
    int edited = 0;
    for (auto& op : g.net().oplists) {
      auto* c = op->main.AsConvolution2D();
      if (op->type != schema::OpType_Convolution || !c || !c->symmetricQuan || c->symmetricQuan->winogradAttr.empty())
        continue;
      c->quanParameter->scaleOut *= 1.25f;
      const int z = c->symmetricQuan->outputZeroPoint;
      c->symmetricQuan->outputZeroPoint = static_cast<int8_t>(z <= 124 ? z + 3 : z - 3);
      ++edited;
    }
    if (edited == 0) {
      std::cerr << argv[2] << ": no convolution with Winograd int8 attributes\n";
      return 1;
    }
    saveNet(g.net(), argv[3]);
    return 0;
  }
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " OUT_DIR\n";
    return 2;
  }
  const std::string out = argv[1];
  auto dir = [&](const std::string& name) {
    const std::string d = out + "/" + name;
    boost::filesystem::create_directories(d);
    return d;
  };
  writePriorBox(dir("priorbox"));
  writeDetection(dir("detection_output"), false);
  writeDetection(dir("detection_output_ties"), true);
  writePool3D(dir("pooling3d"));
  writeDeconvolution(dir("deconvolution"));
  writeInt8Segmentation(dir("int8_segmentation"));
  writeInt8Ssd(dir("int8_ssd"));
  writeInt8ProbabilityMap(dir("int8_probmap"));
  writeInt8InterpChain(dir("int8_interp_chain"));
  writeInt8Winograd(dir("int8_winograd"));
  writeInt8ChannelsLast(dir("int8_channels_last"));
  return 0;
}
