#include "validate_graph.hpp"

#include "graph_checks.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/limits.hpp"

#include <cmath>
#include <sstream>
#include <vector>

namespace mnnq::model {
namespace {

using limits::kMaxDim;
using limits::kMaxPad;
using limits::kMaxRank;
using limits::kMaxTensorElements;
using limits::kMaxWindow;

template <typename Name>
bool named(Name name) {
  return name && *name;
}

class OpChecker {
 public:
  OpChecker(const std::string& source, const schema::OpT& op, size_t index)
      : source_(source), op_(op), index_(index) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ModelError(source_ + ": " + describeOp(op_, index_) + " " + what);
  }

  // At least `required` inputs, the first `required` of them present (not -1); at most `most`.
  void inputs(int required, int most) const {
    const int n = static_cast<int>(op_.inputIndexes.size());
    if (n < required) {
      std::ostringstream os;
      os << "has " << n << " input" << (n == 1 ? "" : "s") << ", " << (required == most ? "" : "at least ")
         << required << " expected";
      fail(os.str());
    }
    if (most >= 0 && n > most) {
      std::ostringstream os;
      os << "has " << n << " inputs, at most " << most << " expected";
      fail(os.str());
    }
    for (int k = 0; k < required; ++k) {
      if (op_.inputIndexes[k] < 0) fail("lacks its required input #" + std::to_string(k) + " (tensor id -1)");
    }
  }

  void outputs(int least, int most) const {
    const int n = static_cast<int>(op_.outputIndexes.size());
    if (n < least || (most >= 0 && n > most)) {
      std::ostringstream os;
      os << "has " << n << " outputs, ";
      if (least == most) os << least;
      else if (most < 0) os << "at least " << least;
      else os << least << " to " << most;
      os << " expected";
      fail(os.str());
    }
  }

  // The parameter table must be `want` (or absent when not `required`). A table of another
  // type means the op was retyped or the file is corrupt.
  void param(schema::OpParameter want, bool required) const {
    const schema::OpParameter have = op_.main.type;
    if (have == want) return;
    if (have == schema::OpParameter_NONE) {
      if (required) fail(std::string("has no ") + schema::EnumNameOpParameter(want) + " parameter table");
      return;
    }
    fail(std::string("has a ") + paramName(have) + " parameter table, " + schema::EnumNameOpParameter(want) +
         " expected");
  }
  void paramEither(schema::OpParameter a, schema::OpParameter b) const {
    const schema::OpParameter have = op_.main.type;
    if (have == schema::OpParameter_NONE || have == a || have == b) return;
    fail(std::string("has a ") + paramName(have) + " parameter table, " + schema::EnumNameOpParameter(a) + " or " +
         schema::EnumNameOpParameter(b) + " expected");
  }

  void range(const char* field, int64_t v, int64_t lo, int64_t hi) const {
    if (v < lo || v > hi) {
      std::ostringstream os;
      os << field << " = " << v << " is out of range [" << lo << ", " << hi << "]";
      fail(os.str());
    }
  }
  void finiteRange(const char* field, float v, float lo, float hi) const {
    if (!std::isfinite(v) || v < lo || v > hi) {
      std::ostringstream os;
      os << field << " = " << v << " is out of range [" << lo << ", " << hi << "]";
      fail(os.str());
    }
  }
  template <typename E>
  void enumValue(const char* field, E v, const char* name) const {
    if (!named(name)) fail(std::string(field) + " = " + std::to_string(static_cast<int64_t>(v)) + " is not a known value");
  }
  void listSize(const char* field, size_t n, size_t most) const {
    if (n > most) {
      std::ostringstream os;
      os << field << " has " << n << " entries, at most " << most << " expected";
      fail(os.str());
    }
  }
  void axis(const char* field, int v) const { range(field, v, -kMaxRank, kMaxRank - 1); }
  void axes(const char* field, const std::vector<int>& v) const {
    listSize(field, v.size(), kMaxRank);
    for (int a : v) axis(field, a);
  }

  // Declared dims: rank, each extent in [lo, kMaxDim], and the product of the known extents.
  void dims(const char* field, const std::vector<int>& d, int lo) const {
    listSize(field, d.size(), kMaxRank);
    int64_t count = 1;
    for (int x : d) {
      range(field, x, lo, kMaxDim);
      if (x > 0) count *= x;
      if (count > kMaxTensorElements) {
        std::ostringstream os;
        os << field << " declares more than " << kMaxTensorElements << " elements (the limit per tensor)";
        fail(os.str());
      }
    }
  }

  const schema::OpT& op() const { return op_; }

 private:
  static std::string paramName(schema::OpParameter p) {
    const char* n = schema::EnumNameOpParameter(p);
    return named(n) ? n : "type-" + std::to_string(static_cast<int>(p));
  }

  const std::string& source_;
  const schema::OpT& op_;
  size_t index_;
};

void checkConvCommon(const OpChecker& c, const schema::Convolution2DCommonT& g) {
  c.range("kernelX", g.kernelX, 1, kMaxWindow);
  c.range("kernelY", g.kernelY, 1, kMaxWindow);
  c.range("strideX", g.strideX, 1, kMaxWindow);
  c.range("strideY", g.strideY, 1, kMaxWindow);
  c.range("dilateX", g.dilateX, 1, kMaxWindow);
  c.range("dilateY", g.dilateY, 1, kMaxWindow);
  c.range("padX", g.padX, 0, kMaxPad);
  c.range("padY", g.padY, 0, kMaxPad);
  c.listSize("pads", g.pads.size(), 6);
  for (int p : g.pads) c.range("pads", p, 0, kMaxPad);
  c.listSize("outPads", g.outPads.size(), 6);
  for (int p : g.outPads) c.range("outPads", p, 0, kMaxPad);
  c.enumValue("padMode", g.padMode, schema::EnumNamePadMode(g.padMode));
  c.range("group", g.group, 0, kMaxDim);
  c.range("outputCount", g.outputCount, 0, kMaxDim);
  c.range("inputCount", g.inputCount, 0, kMaxDim);
}

void checkConvolution(const OpChecker& c) {
  c.inputs(1, 3);
  c.outputs(1, 1);
  c.param(schema::OpParameter_Convolution2D, true);
  const auto& conv = *c.op().main.AsConvolution2D();
  if (!conv.common) c.fail("has no Convolution2D.common (kernel, stride, padding)");
  checkConvCommon(c, *conv.common);
}

void checkPool(const OpChecker& c) {
  c.inputs(1, 1);
  c.outputs(1, 2);
  c.param(schema::OpParameter_Pool, true);
  const auto& p = *c.op().main.AsPool();
  if (!p.isGlobal) {
    c.range("kernelX", p.kernelX, 1, kMaxWindow);
    c.range("kernelY", p.kernelY, 1, kMaxWindow);
    c.range("strideX", p.strideX, 1, kMaxWindow);
    c.range("strideY", p.strideY, 1, kMaxWindow);
  }
  c.range("padX", p.padX, 0, kMaxPad);
  c.range("padY", p.padY, 0, kMaxPad);
  c.listSize("pads", p.pads.size(), 4);
  for (int x : p.pads) c.range("pads", x, 0, kMaxPad);
  c.enumValue("type", p.type, schema::EnumNamePoolType(p.type));
  c.enumValue("padType", p.padType, schema::EnumNamePoolPadType(p.padType));
  c.enumValue("countType", p.countType, schema::EnumNameAvgPoolCountType(p.countType));
}

void checkPool3D(const OpChecker& c) {
  c.inputs(1, 1);
  c.outputs(1, 1);
  c.param(schema::OpParameter_Pool3D, true);
  const auto& p = *c.op().main.AsPool3D();
  c.listSize("kernels", p.kernels.size(), 3);
  c.listSize("strides", p.strides.size(), 3);
  c.listSize("pads", p.pads.size(), 6);
  if (!p.isGlobal) {
    for (int x : p.kernels) c.range("kernels", x, 1, kMaxWindow);
    for (int x : p.strides) c.range("strides", x, 1, kMaxWindow);
  }
  for (int x : p.pads) c.range("pads", x, 0, kMaxPad);
  c.enumValue("type", p.type, schema::EnumNamePoolType(p.type));
  c.enumValue("padType", p.padType, schema::EnumNamePoolPadType(p.padType));
}

void checkDataType(const OpChecker& c, const char* field, schema::DataType t) {
  c.enumValue(field, t, schema::EnumNameDataType(t));
}
void checkFormat(const OpChecker& c, const char* field, schema::MNN_DATA_FORMAT f) {
  c.enumValue(field, f, schema::EnumNameMNN_DATA_FORMAT(f));
}

// A unary element-wise op: one input, one output, an optional parameter table of one type.
void checkUnaryShaped(const OpChecker& c, schema::OpParameter param, bool required) {
  c.inputs(1, 1);
  c.outputs(1, 1);
  c.param(param, required);
}

void checkOp(const OpChecker& c) {
  const schema::OpT& op = c.op();
  checkFormat(c, "defaultDimentionFormat", op.defaultDimentionFormat);
  switch (op.type) {
    case schema::OpType_Input: {
      c.inputs(0, 0);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Input, false);
      if (const auto* p = op.main.AsInput()) {
        c.dims("dims", p->dims, -1);
        checkDataType(c, "dtype", p->dtype);
        checkFormat(c, "dformat", p->dformat);
      }
      break;
    }
    case schema::OpType_Const:
    case schema::OpType_TrainableParam: {
      c.inputs(0, 0);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Blob, true);
      const auto& b = *op.main.AsBlob();
      c.dims("dims", b.dims, 0);
      checkDataType(c, "dataType", b.dataType);
      checkFormat(c, "dataFormat", b.dataFormat);
      break;
    }
    case schema::OpType_Convolution:
    case schema::OpType_ConvolutionDepthwise:
    case schema::OpType_Deconvolution:
    case schema::OpType_DeconvolutionDepthwise:
      checkConvolution(c);
      break;
    case schema::OpType_InnerProduct: {
      c.inputs(1, 1);
      c.outputs(1, 1);
      c.param(schema::OpParameter_InnerProduct, true);
      const auto& p = *op.main.AsInnerProduct();
      c.range("outputCount", p.outputCount, 1, kMaxDim);
      c.axis("axis", p.axis);
      break;
    }
    case schema::OpType_MatMul:
    case schema::OpType_BatchMatMul:
      c.inputs(2, 3);
      c.outputs(1, 1);
      c.paramEither(schema::OpParameter_MatMul, schema::OpParameter_BatchMatMulParam);
      break;
    case schema::OpType_Pooling:
      checkPool(c);
      break;
    case schema::OpType_Pooling3D:
      checkPool3D(c);
      break;
    case schema::OpType_ReLU:
      checkUnaryShaped(c, schema::OpParameter_Relu, false);
      if (const auto* p = op.main.AsRelu()) c.finiteRange("slope", p->slope, -1e30f, 1e30f);
      break;
    case schema::OpType_ReLU6:
      checkUnaryShaped(c, schema::OpParameter_Relu6, false);
      if (const auto* p = op.main.AsRelu6()) {
        c.finiteRange("minValue", p->minValue, -1e30f, 1e30f);
        c.finiteRange("maxValue", p->maxValue, -1e30f, 1e30f);
        if (p->minValue > p->maxValue) c.fail("has minValue > maxValue");
      }
      break;
    case schema::OpType_Sigmoid:
    case schema::OpType_TanH:
      c.inputs(1, 1);
      c.outputs(1, 1);
      break;
    case schema::OpType_PReLU:
      checkUnaryShaped(c, schema::OpParameter_PRelu, true);
      break;
    case schema::OpType_Softmax:
      checkUnaryShaped(c, schema::OpParameter_Axis, false);
      if (const auto* p = op.main.AsAxis()) c.axis("axis", p->axis);
      break;
    case schema::OpType_UnaryOp: {
      checkUnaryShaped(c, schema::OpParameter_UnaryOp, true);
      const auto& p = *op.main.AsUnaryOp();
      c.enumValue("opType", p.opType, schema::EnumNameUnaryOpOperation(p.opType));
      if (!p.tableInt8.empty() && p.tableInt8.size() != 255) {
        c.fail("has an int8 lookup table of " + std::to_string(p.tableInt8.size()) + " entries, 255 expected");
      }
      break;
    }
    case schema::OpType_BatchNorm:
      checkUnaryShaped(c, schema::OpParameter_BatchNorm, true);
      break;
    case schema::OpType_Scale:
      checkUnaryShaped(c, schema::OpParameter_Scale, true);
      break;
    case schema::OpType_Normalize:
      checkUnaryShaped(c, schema::OpParameter_Normalize, true);
      break;
    case schema::OpType_BinaryOp: {
      c.inputs(2, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_BinaryOp, true);
      const auto& p = *op.main.AsBinaryOp();
      c.enumValue("opType", p.opType, schema::EnumNameBinaryOpOperation(p.opType));
      break;
    }
    case schema::OpType_Eltwise: {
      c.inputs(2, -1);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Eltwise, true);
      const auto& p = *op.main.AsEltwise();
      c.enumValue("type", p.type, schema::EnumNameEltwiseType(p.type));
      for (int t : op.inputIndexes)
        if (t < 0) c.fail("has an absent input (tensor id -1)");
      break;
    }
    case schema::OpType_Reduction: {
      c.inputs(1, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_ReductionParam, true);
      const auto& p = *op.main.AsReductionParam();
      c.enumValue("operation", p.operation, schema::EnumNameReductionType(p.operation));
      c.axes("dim", p.dim);
      break;
    }
    case schema::OpType_Interp: {
      c.inputs(1, 4);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Interp, true);
      const auto& p = *op.main.AsInterp();
      c.finiteRange("widthScale", p.widthScale, 0.f, limits::kMaxResizeScale);
      c.finiteRange("heightScale", p.heightScale, 0.f, limits::kMaxResizeScale);
      c.finiteRange("widthOffset", p.widthOffset, -kMaxDim, kMaxDim);
      c.finiteRange("heightOffset", p.heightOffset, -kMaxDim, kMaxDim);
      c.finiteRange("cubicCoeffA", p.cubicCoeffA, -1e6f, 1e6f);
      c.range("outputWidth", p.outputWidth, 0, kMaxDim);
      c.range("outputHeight", p.outputHeight, 0, kMaxDim);
      c.enumValue("ctm", p.ctm, schema::EnumNameCoordinateTransformationMode(p.ctm));
      break;
    }
    case schema::OpType_Resize: {
      checkUnaryShaped(c, schema::OpParameter_Resize, true);
      const auto& p = *op.main.AsResize();
      c.finiteRange("xScale", p.xScale, 0.f, limits::kMaxResizeScale);
      c.finiteRange("yScale", p.yScale, 0.f, limits::kMaxResizeScale);
      break;
    }
    case schema::OpType_PriorBox:
      c.inputs(1, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_PriorBox, true);
      break;
    case schema::OpType_DetectionOutput: {
      c.inputs(3, 5);
      c.outputs(1, 1);
      c.param(schema::OpParameter_DetectionOutput, true);
      const auto& p = *op.main.AsDetectionOutput();
      c.range("classCount", p.classCount, 0, kMaxDim);
      c.range("keepTopK", p.keepTopK, -1, kMaxDim);
      c.range("nmsTopK", p.nmsTopK, -1, kMaxDim);
      break;
    }
    case schema::OpType_ConvertTensor: {
      checkUnaryShaped(c, schema::OpParameter_TensorConvertInfo, true);
      const auto& p = *op.main.AsTensorConvertInfo();
      checkFormat(c, "source", p.source);
      checkFormat(c, "dest", p.dest);
      break;
    }
    case schema::OpType_Reshape: {
      c.inputs(1, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Reshape, false);
      if (const auto* p = op.main.AsReshape()) {
        c.dims("dims", p->dims, -1);
        checkFormat(c, "dimType", p->dimType);
      }
      break;
    }
    case schema::OpType_Flatten:
      checkUnaryShaped(c, schema::OpParameter_Flatten, false);
      if (const auto* p = op.main.AsFlatten()) {
        c.axis("axis", p->axis);
        c.axis("endAxis", p->endAxis);
      }
      break;
    case schema::OpType_Squeeze:
    case schema::OpType_Unsqueeze:
      c.inputs(1, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_SqueezeParam, false);
      if (const auto* p = op.main.AsSqueezeParam()) c.axes("squeezeDims", p->squeezeDims);
      break;
    case schema::OpType_ExpandDims:
      c.inputs(1, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_ExpandDims, false);
      if (const auto* p = op.main.AsExpandDims()) c.axis("axis", p->axis);
      break;
    case schema::OpType_Permute: {
      checkUnaryShaped(c, schema::OpParameter_Permute, false);
      if (const auto* p = op.main.AsPermute()) {
        c.listSize("dims", p->dims.size(), kMaxRank);
        std::vector<bool> seen(p->dims.size(), false);
        for (int d : p->dims) {
          c.range("dims", d, 0, static_cast<int64_t>(p->dims.size()) - 1);
          if (seen[d]) c.fail("dims repeats axis " + std::to_string(d) + " (not a permutation)");
          seen[d] = true;
        }
      }
      break;
    }
    case schema::OpType_Transpose:
      c.inputs(2, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Transpose, false);
      break;
    case schema::OpType_Shape:
      checkUnaryShaped(c, schema::OpParameter_ShapeParam, false);
      break;
    case schema::OpType_Rank:
      checkUnaryShaped(c, schema::OpParameter_Rank, false);
      break;
    case schema::OpType_Size:
      checkUnaryShaped(c, schema::OpParameter_Size, false);
      break;
    case schema::OpType_Concat: {
      c.inputs(1, -1);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Axis, false);
      if (const auto* p = op.main.AsAxis()) c.axis("axis", p->axis);
      break;
    }
    case schema::OpType_Slice: {
      c.inputs(1, 2);
      c.outputs(1, kMaxDim);
      c.param(schema::OpParameter_Slice, true);
      const auto& p = *op.main.AsSlice();
      c.axis("axis", p.axis);
      c.enumValue("sourceType", p.sourceType, schema::EnumNameNetSource(p.sourceType));
      for (int x : p.slicePoints) c.range("slicePoints", x, -1, kMaxDim);
      break;
    }
    case schema::OpType_SliceTf:
      c.inputs(3, 3);
      c.outputs(1, 1);
      c.param(schema::OpParameter_SliceTf, false);
      break;
    case schema::OpType_StridedSlice: {
      c.inputs(3, 5);
      c.outputs(1, 1);
      c.param(schema::OpParameter_StridedSliceParam, true);
      const auto& p = *op.main.AsStridedSliceParam();
      c.range("fromType", p.fromType, 0, 1);
      break;
    }
    case schema::OpType_Gather:
      c.inputs(2, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Gather, false);
      if (const auto* p = op.main.AsGather()) c.axis("axis", p->axis);
      break;
    case schema::OpType_GatherV2:
      c.inputs(2, 3);
      c.outputs(1, 1);
      c.paramEither(schema::OpParameter_Axis, schema::OpParameter_GatherV2);
      if (const auto* p = op.main.AsAxis()) c.axis("axis", p->axis);
      break;
    case schema::OpType_Cast: {
      checkUnaryShaped(c, schema::OpParameter_CastParam, true);
      const auto& p = *op.main.AsCastParam();
      checkDataType(c, "srcT", p.srcT);
      checkDataType(c, "dstT", p.dstT);
      break;
    }
    case schema::OpType_Padding:
      c.inputs(2, 3);
      c.outputs(1, 1);
      c.param(schema::OpParameter_PadParam, false);
      if (const auto* p = op.main.AsPadParam()) c.enumValue("mode", p->mode, schema::EnumNamePadValueMode(p->mode));
      break;
    case schema::OpType_Crop:
      c.inputs(2, 2);
      c.outputs(1, 1);
      c.param(schema::OpParameter_Crop, false);
      if (const auto* p = op.main.AsCrop()) {
        c.axis("axis", p->axis);
        c.listSize("offset", p->offset.size(), kMaxRank);
        for (int x : p->offset) c.range("offset", x, 0, kMaxDim);
      }
      break;
    case schema::OpType_Identity:
    case schema::OpType_Dropout: {
      const int outs = static_cast<int>(op.outputIndexes.size());
      c.inputs(outs, -1);
      break;
    }
    default:
      break;  // not run by the executor: reported there as unsupported, never executed
  }
}

}  // namespace

void validateOps(const schema::NetT& net, const std::string& source) {
  for (size_t i = 0; i < net.oplists.size(); ++i) {
    OpChecker c(source, *net.oplists[i], i);
    checkOp(c);
  }
}

}  // namespace mnnq::model
