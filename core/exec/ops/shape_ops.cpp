// Data-movement and shape ops: Const, ConvertTensor, Reshape family, Permute/Transpose,
// Shape/Rank/Size, Concat, Slice/SliceTf/StridedSlice, Gather, Cast, Padding, Crop, Identity.
// Semantics follow MNN's shape computers and geometry (source/shape, source/geometry): all of
// these work on the logical dims of a tensor in its own layout, except where noted.
#include "../op_kernel.hpp"

#include "mnnq/core/limits.hpp"

#include <algorithm>
#include <limits>
#include <cstring>
#include <numeric>

namespace mnnq::exec {
namespace {

using schema::OpType;

// Element-type-agnostic copy helpers.
void copyTensorData(const Tensor& in, Tensor& out) {
  if (in.dtype == DType::Float32) out.f = in.f;
  else out.i = in.i;
}

// Same data, new dims: Squeeze/Unsqueeze/ExpandDims/Flatten/plain Reshape.
std::unique_ptr<OpKernel> copyKernel() {
  return makeKernel([](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    copyTensorData(*in[0], *out[0]);
  });
}

TensorInfo sameAs(const TensorInfo& in, std::vector<int> shape) {
  TensorInfo o = in;
  o.shape = std::move(shape);
  return o;
}

int normAxis(int axis, int rank, const char* what) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank)
    throw std::invalid_argument(std::string(what) + " axis out of range");
  return axis;
}

// ---- Const ----------------------------------------------------------------------------
std::unique_ptr<OpKernel> makeConst(OpContext& ctx) {
  const auto* blob = ctx.op.main.AsBlob();
  if (!blob) throw std::invalid_argument("Const without Blob parameter");
  auto value = std::make_shared<Tensor>();
  value->shape = blob->dims;
  value->layout = static_cast<Layout>(blob->dataFormat);
  if (value->layout != Layout::NCHW && value->layout != Layout::NHWC && value->layout != Layout::NC4HW4)
    value->layout = Layout::NCHW;
  const int64_t n = value->elementCount();
  auto need = [&](size_t have, const char* field) {
    if (static_cast<int64_t>(have) != n)
      throw std::invalid_argument(std::string("Const blob has ") + std::to_string(have) + " " +
                                  field + " for " + std::to_string(n) + " elements");
  };
  switch (blob->dataType) {
    case schema::DataType_DT_FLOAT:
    case schema::DataType_DT_DOUBLE:
      value->dtype = DType::Float32;
      need(blob->float32s.size(), "float32s");
      value->f = blob->float32s;
      break;
    case schema::DataType_DT_INT32:
      value->dtype = DType::Int32;
      need(blob->int32s.size(), "int32s");
      value->i = blob->int32s;
      break;
    case schema::DataType_DT_INT64:
      value->dtype = DType::Int32;
      if (!blob->int64s.empty()) {
        need(blob->int64s.size(), "int64s");
        value->i.assign(blob->int64s.begin(), blob->int64s.end());
      } else {
        need(blob->int32s.size(), "int32s");
        value->i = blob->int32s;
      }
      break;
    case schema::DataType_DT_UINT8:
    case schema::DataType_DT_BOOL:
      value->dtype = DType::Int32;
      if (!blob->uint8s.empty()) {
        need(blob->uint8s.size(), "uint8s");
        value->i.assign(blob->uint8s.begin(), blob->uint8s.end());
      } else {
        need(blob->int32s.size(), "int32s");
        value->i = blob->int32s;
      }
      break;
    case schema::DataType_DT_INT8:
      value->dtype = DType::Int32;
      need(blob->int8s.size(), "int8s");
      value->i.assign(blob->int8s.begin(), blob->int8s.end());
      break;
    default:
      throw UnsupportedOp(std::string("Const of data type ") + schema::EnumNameDataType(blob->dataType));
  }
  ctx.outputs[0] = TensorInfo{value->shape, value->layout, value->dtype, true};
  return makeKernel([value](const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) {
    copyTensorData(*value, *out[0]);
  });
}

// ---- ConvertTensor ----------------------------------------------------------------------
std::unique_ptr<OpKernel> makeConvertTensor(OpContext& ctx) {
  const auto* info = ctx.op.main.AsTensorConvertInfo();
  if (!info) throw std::invalid_argument("ConvertTensor without TensorConvertInfo");
  const TensorInfo& in = ctx.inputs[0];
  const Layout dest = static_cast<Layout>(info->dest);
  const bool srcFirst = isChannelFirst(in.layout);
  const bool dstFirst = isChannelFirst(dest);
  TensorInfo out = in;
  out.layout = dest;
  enum { Copy, ToNhwc, ToNchw } mode = Copy;
  if (in.shape.size() != 2 && srcFirst != dstFirst) {
    mode = srcFirst ? ToNhwc : ToNchw;
    out.shape = srcFirst ? nchwToNhwcShape(in.shape) : nhwcToNchwShape(in.shape);
  }
  ctx.outputs[0] = out;
  const std::vector<int> inShape = in.shape;
  return makeKernel([mode, inShape](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    if (mode == Copy || in[0]->dtype != DType::Float32) {
      if (mode != Copy) {  // int tensors: generic transpose
        std::vector<int> perm;
        const int r = static_cast<int>(inShape.size());
        if (mode == ToNhwc) {
          perm.push_back(0);
          for (int i = 2; i < r; ++i) perm.push_back(i);
          perm.push_back(1);
        } else {
          perm = {0, r - 1};
          for (int i = 1; i < r - 1; ++i) perm.push_back(i);
        }
        transposeData(in[0]->i.data(), inShape, perm, out[0]->i.data());
        return;
      }
      copyTensorData(*in[0], *out[0]);
    } else if (mode == ToNhwc) {
      nchwToNhwc(in[0]->f.data(), inShape, out[0]->f.data());
    } else {
      nhwcToNchw(in[0]->f.data(), inShape, out[0]->f.data());
    }
  });
}

// ---- Reshape ----------------------------------------------------------------------------
std::unique_ptr<OpKernel> makeReshape(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* param = ctx.op.main.AsReshape();
  std::vector<int> dims;
  bool fromTf = false;
  const Layout dimType = param ? static_cast<Layout>(param->dimType) : Layout::NHWC;
  if (ctx.numInputs() >= 2 && ctx.inputs[1].present) {
    const Tensor& shapeT = ctx.constant(1, "Reshape target shape");
    fromTf = ctx.inputs[1].layout == Layout::NHWC;
    dims = tensorInts(shapeT);
    // A 4-D NHWC-ordered target applied to an NC4HW4 tensor is reordered to NCHW.
    if (in.layout == Layout::NC4HW4 && dimType == Layout::NHWC && dims.size() == 4)
      dims = {dims[0], dims[3], dims[1], dims[2]};
  } else {
    if (!param) throw std::invalid_argument("Reshape without Reshape parameter");
    dims = param->dims;
  }
  const int64_t total = in.elementCount();
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("Reshape target has two -1 entries");
      infer = static_cast<int>(i);
      continue;
    }
    if (dims[i] == 0 && !fromTf) {
      if (i >= in.shape.size()) throw std::invalid_argument("Reshape 0 beyond input rank");
      dims[i] = in.shape[i];
    }
    // The target comes from a parameter or a constant tensor: bounded before the product, which
    // stays below 2^28 * 2^24 and so cannot overflow.
    if (dims[i] < 0 || dims[i] > limits::kMaxDim)
      throw std::invalid_argument("Reshape target extent " + std::to_string(dims[i]) + " is out of range");
    known *= dims[i];
    if (known > limits::kMaxTensorElements)
      throw std::invalid_argument("Reshape target has more than " + std::to_string(limits::kMaxTensorElements) + " elements");
  }
  if (infer >= 0) dims[infer] = known ? static_cast<int>(total / known) : 0, known *= dims[infer];
  if (known != total)
    throw std::invalid_argument("Reshape of " + std::to_string(total) + " elements into " +
                                std::to_string(known));
  ctx.outputs[0] = sameAs(in, dims);
  // MNN reshapes an NC4HW4 tensor in NHWC element order when dimType is NHWC.
  if (in.layout == Layout::NC4HW4 && dimType == Layout::NHWC && in.dtype == DType::Float32) {
    const std::vector<int> inShape = in.shape;
    const std::vector<int> outNhwc = nchwToNhwcShape(dims);
    return makeKernel([inShape, outNhwc](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
      std::vector<float> tmp(in[0]->f.size());
      nchwToNhwc(in[0]->f.data(), inShape, tmp.data());
      nhwcToNchw(tmp.data(), outNhwc, out[0]->f.data());
    });
  }
  return copyKernel();
}

std::unique_ptr<OpKernel> makeFlatten(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsFlatten();
  const int rank = static_cast<int>(in.shape.size());
  int axis = p ? p->axis : 1, endAxis = p ? p->endAxis : 0;
  if (axis < 0) axis += rank;
  if (endAxis < 0) endAxis += rank;
  // Validation bounds the axes by the largest rank; the input's own rank is known only here.
  if (axis < 0 || axis > rank) throw std::invalid_argument("Flatten axis out of range for a rank-" + std::to_string(rank) + " input");
  if (endAxis != 0 && (endAxis < axis || endAxis >= rank))
    throw std::invalid_argument("Flatten endAxis out of range for a rank-" + std::to_string(rank) + " input");
  std::vector<int> out;
  if (endAxis == 0) {
    int outside = 1, inside = 1;
    for (int i = 0; i < axis; ++i) outside *= in.shape[i];
    for (int i = axis; i < rank; ++i) inside *= in.shape[i];
    out = {outside, inside};
  } else {
    for (int i = 0; i < axis; ++i) out.push_back(in.shape[i]);
    int mid = 1;
    for (int i = axis; i <= endAxis && i < rank; ++i) mid *= in.shape[i];
    out.push_back(mid);
    for (int i = endAxis + 1; i < rank; ++i) out.push_back(in.shape[i]);
  }
  ctx.outputs[0] = sameAs(in, out);
  return copyKernel();
}

std::vector<int> axesFrom(OpContext& ctx, const std::vector<int>& param) {
  if (!param.empty()) return param;
  if (ctx.numInputs() > 1 && ctx.inputs[1].present) return tensorInts(ctx.constant(1, "axes"));
  return {};
}

std::unique_ptr<OpKernel> makeSqueeze(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsSqueezeParam();
  const auto axes = axesFrom(ctx, p ? p->squeezeDims : std::vector<int>{});
  const int rank = static_cast<int>(in.shape.size());
  std::vector<bool> drop(rank, false);
  for (int a : axes) {
    a = normAxis(a, rank, "Squeeze");
    if (in.shape[a] != 1) throw std::invalid_argument("Squeeze of a dimension that is not 1");
    drop[a] = true;
  }
  if (axes.empty())
    for (int i = 0; i < rank; ++i) drop[i] = in.shape[i] == 1;
  std::vector<int> out;
  for (int i = 0; i < rank; ++i)
    if (!drop[i]) out.push_back(in.shape[i]);
  ctx.outputs[0] = sameAs(in, out);
  return copyKernel();
}

std::unique_ptr<OpKernel> makeUnsqueeze(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsSqueezeParam();
  const auto axes = axesFrom(ctx, p ? p->squeezeDims : std::vector<int>{});
  const int rank = static_cast<int>(in.shape.size() + axes.size());
  std::vector<bool> ins(rank, false);
  for (int a : axes) ins[normAxis(a, rank, "Unsqueeze")] = true;
  std::vector<int> out;
  size_t k = 0;
  for (int i = 0; i < rank; ++i) out.push_back(ins[i] ? 1 : in.shape[k++]);
  ctx.outputs[0] = sameAs(in, out);
  return copyKernel();
}

std::unique_ptr<OpKernel> makeExpandDims(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  int axis = 0;
  if (ctx.numInputs() > 1 && ctx.inputs[1].present) axis = tensorInts(ctx.constant(1, "ExpandDims axis"))[0];
  else if (const auto* p = ctx.op.main.AsExpandDims()) axis = p->axis;
  const int rank = static_cast<int>(in.shape.size()) + 1;
  axis = normAxis(axis, rank, "ExpandDims");
  std::vector<int> out = in.shape;
  out.insert(out.begin() + axis, 1);
  ctx.outputs[0] = sameAs(in, out);
  return copyKernel();
}

// ---- Permute / Transpose -------------------------------------------------------------------
std::unique_ptr<OpKernel> transposeKernel(OpContext& ctx, std::vector<int> perm) {
  const TensorInfo& in = ctx.inputs[0];
  const int rank = static_cast<int>(in.shape.size());
  if (perm.empty())
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  if (static_cast<int>(perm.size()) != rank) throw std::invalid_argument("permutation rank mismatch");
  std::vector<int> out(rank);
  for (int i = 0; i < rank; ++i) {
    perm[i] = normAxis(perm[i], rank, "permutation");
    out[i] = in.shape[perm[i]];
  }
  ctx.outputs[0] = sameAs(in, out);
  const std::vector<int> inShape = in.shape;
  return makeKernel([inShape, perm](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    if (in[0]->dtype == DType::Float32) transposeData(in[0]->f.data(), inShape, perm, out[0]->f.data());
    else transposeData(in[0]->i.data(), inShape, perm, out[0]->i.data());
  });
}

std::unique_ptr<OpKernel> makePermute(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPermute();
  return transposeKernel(ctx, p ? p->dims : std::vector<int>{});
}

std::unique_ptr<OpKernel> makeTranspose(OpContext& ctx) {
  return transposeKernel(ctx, tensorInts(ctx.constant(1, "Transpose permutation")));
}

// ---- Shape / Rank / Size (evaluated at construction) ---------------------------------------
std::unique_ptr<OpKernel> makeShape(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const Layout opFormat = static_cast<Layout>(ctx.op.defaultDimentionFormat);
  std::vector<int> dims = in.shape;
  if (in.layout == Layout::NC4HW4 && opFormat == Layout::NHWC && dims.size() == 4)
    dims = {dims[0], dims[2], dims[3], dims[1]};
  const int rank = static_cast<int>(dims.size());
  int start = 0, end = rank;
  if (const auto* p = ctx.op.main.AsShapeParam()) {
    if (p->hasStart) start = p->start < 0 ? p->start + rank : p->start;
    if (p->hasEnd) end = p->end < 0 ? p->end + rank : p->end;
  }
  start = std::max(0, std::min(start, rank));
  end = std::max(start, std::min(end, rank));
  std::vector<int32_t> value(dims.begin() + start, dims.begin() + end);
  ctx.outputs[0] = TensorInfo{{static_cast<int>(value.size())}, opFormat, DType::Int32, true};
  return makeKernel([value](const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) {
    out[0]->i = value;
  });
}

std::unique_ptr<OpKernel> makeRank(OpContext& ctx) {
  const int32_t rank = static_cast<int32_t>(ctx.inputs[0].shape.size());
  ctx.outputs[0] = TensorInfo{{}, Layout::NCHW, DType::Int32, true};
  return makeKernel([rank](const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) {
    out[0]->i = {rank};
  });
}

std::unique_ptr<OpKernel> makeSize(OpContext& ctx) {
  const int32_t n = static_cast<int32_t>(ctx.inputs[0].elementCount());
  ctx.outputs[0] = TensorInfo{{}, Layout::NCHW, DType::Int32, true};
  return makeKernel([n](const std::vector<const Tensor*>&, const std::vector<Tensor*>& out) {
    out[0]->i = {n};
  });
}

// ---- Concat / Slice ------------------------------------------------------------------------
// outer x (axis extent x inner) blocks.
struct AxisSplit {
  int64_t outer = 1, inner = 1;
};
AxisSplit splitAt(const std::vector<int>& shape, int axis) {
  AxisSplit s;
  for (int i = 0; i < axis; ++i) s.outer *= shape[i];
  for (size_t i = axis + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return s;
}

std::unique_ptr<OpKernel> makeConcat(OpContext& ctx) {
  std::vector<int> present;
  for (int k = 0; k < ctx.numInputs(); ++k)
    if (ctx.inputs[k].present) present.push_back(k);
  if (present.empty()) throw std::invalid_argument("Concat without inputs");
  const TensorInfo& first = ctx.inputs[present[0]];
  const auto* p = ctx.op.main.AsAxis();
  const int rank = static_cast<int>(first.shape.size());
  const int axis = normAxis(p ? p->axis : 0, rank, "Concat");
  std::vector<int> out = first.shape;
  out[axis] = 0;
  std::vector<int> extents;
  for (int k : present) {
    const auto& s = ctx.inputs[k].shape;
    if (static_cast<int>(s.size()) != rank) throw std::invalid_argument("Concat inputs differ in rank");
    for (int d = 0; d < rank; ++d)
      if (d != axis && s[d] != first.shape[d])
        throw std::invalid_argument("Concat inputs differ in dimension " + std::to_string(d));
    out[axis] += s[axis];
    extents.push_back(s[axis]);
  }
  ctx.outputs[0] = sameAs(first, out);
  ctx.outputs[0].dtype = ctx.inputs[present.back()].dtype;
  const AxisSplit split = splitAt(out, axis);
  const int total = out[axis];
  return makeKernel([present, extents, split, total](const std::vector<const Tensor*>& in,
                                                     const std::vector<Tensor*>& out) {
    const bool isF = out[0]->dtype == DType::Float32;
    int64_t offset = 0;
    for (size_t j = 0; j < present.size(); ++j) {
      const Tensor& src = *in[present[j]];
      const int64_t block = extents[j] * split.inner;
      if (block == 0) continue;  // an empty input adds nothing (and may have no buffer at all)
      for (int64_t o = 0; o < split.outer; ++o) {
        const int64_t dst = (o * total) * split.inner + offset;
        if (isF) {
          if (src.dtype == DType::Float32)
            std::memcpy(&out[0]->f[dst], &src.f[o * block], sizeof(float) * block);
          else
            for (int64_t k = 0; k < block; ++k) out[0]->f[dst + k] = static_cast<float>(src.i[o * block + k]);
        } else {
          if (src.dtype == DType::Int32)
            std::memcpy(&out[0]->i[dst], &src.i[o * block], sizeof(int32_t) * block);
          else
            for (int64_t k = 0; k < block; ++k) out[0]->i[dst + k] = static_cast<int32_t>(src.f[o * block + k]);
        }
      }
      offset += block;
    }
  });
}

// Copies the sub-box [begin, begin+size) with `step` per dim (step may be negative).
template <typename T>
void sliceBox(const T* in, const std::vector<int>& inShape, const std::vector<int>& begin,
              const std::vector<int>& step, const std::vector<int>& size, T* out) {
  const size_t rank = inShape.size();
  const auto strides = stridesOf(inShape);
  int64_t total = 1;
  for (int s : size) total *= s;
  if (total == 0) return;
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  std::vector<int> idx(rank, 0);
  int64_t base = 0;
  for (size_t d = 0; d < rank; ++d) base += begin[d] * strides[d];
  const int inner = size[rank - 1];
  const int64_t innerStep = step[rank - 1] * strides[rank - 1];
  int64_t src = base;
  for (int64_t o = 0; o < total; o += inner) {
    for (int k = 0; k < inner; ++k) out[o + k] = in[src + k * innerStep];
    for (size_t d = rank - 1; d-- > 0;) {
      ++idx[d];
      src += step[d] * strides[d];
      if (idx[d] < size[d]) break;
      src -= int64_t(step[d]) * strides[d] * size[d];
      idx[d] = 0;
    }
  }
}

std::unique_ptr<OpKernel> boxKernel(const std::vector<int>& inShape, const std::vector<int>& begin,
                                    const std::vector<int>& step, const std::vector<int>& size,
                                    int outputIndex = 0) {
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    if (in[0]->dtype == DType::Float32)
      sliceBox(in[0]->f.data(), inShape, begin, step, size, out[outputIndex]->f.data());
    else
      sliceBox(in[0]->i.data(), inShape, begin, step, size, out[outputIndex]->i.data());
  });
}

class MultiKernel : public OpKernel {
 public:
  std::vector<std::unique_ptr<OpKernel>> parts;
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const override {
    for (const auto& p : parts) p->run(in, out);
  }
};

std::unique_ptr<OpKernel> makeSlice(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsSlice();
  if (!p) throw std::invalid_argument("Slice without Slice parameter");
  const int rank = static_cast<int>(in.shape.size());
  const int axis = normAxis(p->axis, rank, "Slice");
  const int nOut = static_cast<int>(ctx.outputs.size());
  const int extent = in.shape[axis];
  std::vector<int> sizes;
  if (p->sourceType == schema::NetSource_CAFFE) {
    int prev = 0;
    for (int k = 0; k < nOut - 1 && k < static_cast<int>(p->slicePoints.size()); ++k) {
      sizes.push_back(p->slicePoints[k] - prev);
      prev = p->slicePoints[k];
    }
    sizes.push_back(extent - prev);
  } else {
    std::vector<int> points = p->slicePoints;
    if (ctx.numInputs() == 2) points = tensorInts(ctx.constant(1, "Split sizes"));
    if (points.size() <= 1 && ctx.numInputs() == 1) {
      int num = nOut, len = extent / nOut;
      if (p->sourceType == schema::NetSource_TORCH && !points.empty()) {
        len = points[0];
        num = extent / len;
      } else if (p->sourceType == schema::NetSource_TENSORFLOW && !points.empty() && points[0] != nOut) {
        num = points[0];
        len = extent / num;
      }
      (void)num;
      sizes.assign(nOut, len);
    } else {
      int used = 0, minus = -1;
      for (int k = 0; k < nOut && k < static_cast<int>(points.size()); ++k) {
        sizes.push_back(points[k]);
        if (points[k] == -1) minus = k;
        else used += points[k];
      }
      if (minus >= 0) sizes[minus] = extent - used;
    }
  }
  if (static_cast<int>(sizes.size()) != nOut)
    throw std::invalid_argument("Slice produces " + std::to_string(nOut) + " outputs but has " +
                                std::to_string(sizes.size()) + " parts");
  auto multi = std::make_unique<MultiKernel>();
  int offset = 0;
  for (int k = 0; k < nOut; ++k) {
    std::vector<int> begin(rank, 0), step(rank, 1), size = in.shape;
    begin[axis] = offset;
    size[axis] = sizes[k];
    offset += sizes[k];
    if (offset > extent) throw std::invalid_argument("Slice parts exceed the axis extent");
    ctx.outputs[k] = sameAs(in, size);
    multi->parts.push_back(boxKernel(in.shape, begin, step, size, k));
  }
  return multi;
}

std::unique_ptr<OpKernel> makeSliceTf(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto begin = tensorInts(ctx.constant(1, "SliceTf begin"));
  const auto sizeIn = tensorInts(ctx.constant(2, "SliceTf size"));
  const int rank = static_cast<int>(in.shape.size());
  if (static_cast<int>(begin.size()) != rank || static_cast<int>(sizeIn.size()) != rank)
    throw std::invalid_argument("SliceTf begin/size rank mismatch");
  std::vector<int> b(rank), s(rank), step(rank, 1);
  for (int i = 0; i < rank; ++i) {
    b[i] = begin[i] < 0 ? begin[i] + in.shape[i] : begin[i];
    s[i] = sizeIn[i] == -1 ? in.shape[i] - b[i] : sizeIn[i];
    if (b[i] < 0 || s[i] < 0 || b[i] + s[i] > in.shape[i])
      throw std::invalid_argument("SliceTf box outside the input");
  }
  ctx.outputs[0] = sameAs(in, s);
  return boxKernel(in.shape, b, step, s);
}

std::unique_ptr<OpKernel> makeStridedSlice(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsStridedSliceParam();
  if (!p) throw std::invalid_argument("StridedSlice without parameter");
  if (p->fromType == 0 && ctx.numInputs() == 5) throw UnsupportedOp("StridedSlice assignment form");
  const int inputDim = static_cast<int>(in.shape.size());
  const auto beginV = tensorInts(ctx.constant(1, "StridedSlice begin"));
  const auto endV = tensorInts(ctx.constant(2, "StridedSlice end"));
  std::vector<int> strideV;
  if (ctx.numInputs() >= 4 && ctx.inputs[3].present) strideV = tensorInts(ctx.constant(3, "StridedSlice strides"));
  int strideSize = static_cast<int>(beginV.size());
  // The index lists come from constant tensors, known only here: their lengths must agree, and
  // the masks are 32-bit, so a list longer than that (or any rank this tool accepts) is refused.
  if (strideSize > 2 * limits::kMaxRank)
    throw std::invalid_argument("StridedSlice with " + std::to_string(strideSize) + " begin values");
  if (endV.size() != beginV.size() || (!strideV.empty() && strideV.size() != beginV.size()))
    throw std::invalid_argument("StridedSlice begin, end and strides differ in length");
  const int kMax = std::max(inputDim, strideSize) + 8;
  std::vector<int> begins(kMax, 0), ends(kMax, 0), strides(kMax, 1);
  std::vector<int> bm(kMax, 0), em(kMax, 0), sm(kMax, 0), nm(kMax, 0);
  for (int i = 0; i < strideSize; ++i) {
    bm[i] = p->beginMask & (1 << i);
    em[i] = p->endMask & (1 << i);
    sm[i] = p->shrinkAxisMask & (1 << i);
    nm[i] = p->newAxisMask & (1 << i);
  }
  for (int i = 0; i < inputDim; ++i) {
    begins[i] = 0;
    ends[i] = in.shape[i];
    strides[i] = 1;
  }
  if (p->fromType == 1) {
    // ONNX Slice: begin/end/axes/steps.
    std::vector<int> axes;
    if (ctx.numInputs() >= 4 && ctx.inputs[3].present) axes = tensorInts(ctx.constant(3, "Slice axes"));
    std::vector<int> steps;
    if (ctx.numInputs() >= 5 && ctx.inputs[4].present) steps = tensorInts(ctx.constant(4, "Slice steps"));
    if ((!axes.empty() && axes.size() != beginV.size()) || (!steps.empty() && steps.size() != beginV.size()))
      throw std::invalid_argument("Slice starts, axes and steps differ in length");
    for (int i = 0; i < strideSize; ++i) {
      int ax = axes.empty() ? i : axes[i];
      if (ax < 0) ax += inputDim;
      if (ax < 0 || ax >= inputDim) throw std::invalid_argument("Slice axis out of range");
      if (!steps.empty()) {
        strides[ax] = steps[i];
        if (strides[ax] == 0) throw std::invalid_argument("Slice step 0");
      }
      const int extent = in.shape[ax];
      begins[ax] = beginV[i] < 0 ? beginV[i] + extent : beginV[i];
      ends[ax] = endV[i] < 0 ? endV[i] + extent : endV[i];
    }
    std::fill(bm.begin(), bm.end(), 0);
    std::fill(em.begin(), em.end(), 0);
    std::fill(sm.begin(), sm.end(), 0);
    std::fill(nm.begin(), nm.end(), 0);
    strideSize = inputDim;
  } else if (p->ellipsisMask) {
    if (p->ellipsisMask & (p->ellipsisMask - 1)) throw std::invalid_argument("several ellipsis bits");
    int pos = 0;
    while (pos < strideSize && !(p->ellipsisMask & (1 << pos))) ++pos;
    if (pos >= strideSize || strideSize > inputDim + 1)
      throw std::invalid_argument("StridedSlice ellipsis outside its begin values");
    std::vector<int> bm2(kMax, 0), em2(kMax, 0), sm2(kMax, 0), nm2(kMax, 0);
    const int ellipsisSize = inputDim - strideSize;
    int idx = 0;
    for (int i = 0; i < inputDim; ++i) {
      if (i == pos) ++idx;
      if (i >= pos && i <= pos + ellipsisSize) {
        begins[i] = 0;
        ends[i] = in.shape[i];
        strides[i] = 1;
      } else {
        begins[i] = beginV[idx];
        ends[i] = endV[idx];
        if (!strideV.empty()) strides[i] = strideV[idx];
        bm2[i] = bm[idx];
        em2[i] = em[idx];
        sm2[i] = sm[idx];
        nm2[i] = nm[idx++];
      }
    }
    bm = bm2; em = em2; sm = sm2; nm = nm2;
    strideSize = inputDim;
  } else {
    for (int i = 0; i < strideSize; ++i) {
      begins[i] = beginV[i];
      ends[i] = endV[i];
      strides[i] = strideV.empty() ? 1 : strideV[i];
      if (strides[i] == 0) throw std::invalid_argument("StridedSlice stride 0");
    }
  }
  auto limit = [](int v, int dim, bool exclusive) {
    int maxV = dim - 1, minV = -dim;
    if (exclusive) {
      ++maxV;
      --minV;
    }
    v = std::min(v, maxV);
    v = std::max(v, minV);
    if (v < 0) v += dim;
    return v;
  };
  // Per input dim: first element, step and count (the data box); plus the output dims.
  std::vector<int> boxBegin(inputDim, 0), boxStep(inputDim, 1), boxSize = in.shape;
  std::vector<int> outShape;
  int inDim = 0;
  for (int i = 0; i < strideSize; ++i) {
    if (nm[i]) {
      outShape.push_back(1);
      continue;
    }
    if (inDim >= inputDim) break;
    const int dim = in.shape[inDim];
    int stride = sm[i] ? 1 : strides[i];
    if (stride == 0 || stride == std::numeric_limits<int>::min())
      throw std::invalid_argument("StridedSlice stride " + std::to_string(stride));
    // INT_MIN has no negation; every value below -dim behaves alike in what follows.
    begins[i] = std::max(begins[i], -std::numeric_limits<int>::max());
    int b, e;
    if (bm[i]) b = stride < 0 ? dim - 1 : 0;
    else b = stride < 0 ? limit(begins[i], dim, false) : std::min(dim, begins[i]);
    if (b < 0 && dim > 0) b = static_cast<int>(((-int64_t(b) + dim - 1) / dim) * dim + b);
    if (em[i]) e = stride < 0 ? -1 : dim;
    else e = stride < 0 ? std::max(-1, std::min(dim, ends[i])) : limit(ends[i], dim, true);
    int first = b, count;
    if (stride > 0) {
      if (e < b) e = b;
      count = (e - b - 1) / stride + 1;
      if (e == b) count = 0;
    } else {
      // Walk downwards from b to e (exclusive).
      count = b > e ? (b - e - 1) / (-stride) + 1 : 0;
    }
    if (sm[i]) count = std::min(1, dim);
    boxBegin[inDim] = first;
    boxStep[inDim] = stride;
    boxSize[inDim] = count;
    if (!sm[i]) outShape.push_back(count);
    ++inDim;
  }
  for (int d = inDim; d < inputDim; ++d) outShape.push_back(in.shape[d]);
  ctx.outputs[0] = sameAs(in, outShape);
  return boxKernel(in.shape, boxBegin, boxStep, boxSize);
}

// ---- Gather ------------------------------------------------------------------------------
std::unique_ptr<OpKernel> makeGather(OpContext& ctx) {
  const TensorInfo& params = ctx.inputs[0];
  const TensorInfo& indices = ctx.inputs[1];
  int axis = 0;
  if (ctx.op.type == schema::OpType_GatherV2) {
    if (ctx.numInputs() >= 3 && ctx.inputs[2].present) axis = tensorInts(ctx.constant(2, "GatherV2 axis"))[0];
    else if (const auto* a = ctx.op.main.AsAxis()) axis = a->axis;
  } else if (const auto* g = ctx.op.main.AsGather()) {
    axis = g->axis;
  }
  const int rank = static_cast<int>(params.shape.size());
  axis = normAxis(axis, rank, "Gather");
  std::vector<int> out(params.shape.begin(), params.shape.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), params.shape.begin() + axis + 1, params.shape.end());
  ctx.outputs[0] = sameAs(params, out);
  const AxisSplit split = splitAt(params.shape, axis);
  const int extent = params.shape[axis];
  const int64_t nIdx = indices.elementCount();
  return makeKernel([split, extent, nIdx](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    const auto idx = tensorInts(*in[1]);
    const bool isF = in[0]->dtype == DType::Float32;
    for (int64_t o = 0; o < split.outer; ++o)
      for (int64_t k = 0; k < nIdx; ++k) {
        int j = idx[k] < 0 ? idx[k] + extent : idx[k];
        if (j < 0 || j >= extent) throw std::out_of_range("Gather index " + std::to_string(idx[k]) + " out of range");
        const int64_t src = (o * extent + j) * split.inner;
        const int64_t dst = (o * nIdx + k) * split.inner;
        if (isF) std::copy_n(&in[0]->f[src], split.inner, &out[0]->f[dst]);
        else std::copy_n(&in[0]->i[src], split.inner, &out[0]->i[dst]);
      }
  });
}

// ---- Cast ----------------------------------------------------------------------------------
std::unique_ptr<OpKernel> makeCast(OpContext& ctx) {
  const auto* p = ctx.op.main.AsCastParam();
  if (!p) throw std::invalid_argument("Cast without CastParam");
  TensorInfo out = ctx.inputs[0];
  const auto dst = p->dstT;
  const bool toFloat = dst == schema::DataType_DT_FLOAT || dst == schema::DataType_DT_DOUBLE ||
                       dst == schema::DataType_DT_HALF || dst == schema::DataType_DT_BFLOAT16;
  const bool toBool = dst == schema::DataType_DT_BOOL;
  const bool toUint8 = dst == schema::DataType_DT_UINT8;
  out.dtype = toFloat ? DType::Float32 : DType::Int32;
  ctx.outputs[0] = out;
  return makeKernel([toFloat, toBool, toUint8](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    if (toFloat) {
      if (x.dtype == DType::Float32) y.f = x.f;
      else y.f.assign(x.i.begin(), x.i.end());
      return;
    }
    const size_t n = x.dtype == DType::Float32 ? x.f.size() : x.i.size();
    for (size_t k = 0; k < n; ++k) {
      int32_t v;
      if (x.dtype == DType::Float32) v = toBool ? (x.f[k] != 0.f) : static_cast<int32_t>(x.f[k]);
      else v = toBool ? (x.i[k] != 0) : x.i[k];
      if (toUint8) v = static_cast<uint8_t>(v);
      y.i[k] = v;
    }
  });
}

// ---- Padding ---------------------------------------------------------------------------------
std::unique_ptr<OpKernel> makePadding(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto pads = tensorInts(ctx.constant(1, "Padding amounts"));
  const int rank = static_cast<int>(in.shape.size());
  if (static_cast<int>(pads.size()) < 2 * rank) throw std::invalid_argument("Padding vector too short");
  std::vector<int> out(rank), before(rank);
  for (int i = 0; i < rank; ++i) {
    const int64_t extent = int64_t(in.shape[i]) + pads[2 * i] + pads[2 * i + 1];
    if (pads[2 * i] < 0 || pads[2 * i + 1] < 0 || extent > limits::kMaxDim)
      throw std::invalid_argument("padding amounts " + std::to_string(pads[2 * i]) + ", " +
                                  std::to_string(pads[2 * i + 1]) + " of dimension " + std::to_string(i) +
                                  " are negative or too large");
    before[i] = pads[2 * i];
    out[i] = static_cast<int>(extent);
  }
  ctx.outputs[0] = sameAs(in, out);
  int mode = schema::PadValueMode_CONSTANT;
  if (const auto* p = ctx.op.main.AsPadParam()) mode = p->mode;
  const bool hasValue = ctx.numInputs() >= 3 && ctx.inputs[2].present;
  const std::vector<int> inShape = in.shape;
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& outT) {
    const bool isF = in[0]->dtype == DType::Float32;
    float fill = 0.f;
    if (hasValue && in[2]) fill = in[2]->dtype == DType::Float32 ? in[2]->f[0] : float(in[2]->i[0]);
    const auto inStrides = stridesOf(inShape);
    int64_t total = 1;
    for (int d : out) total *= d;
    std::vector<int> idx(rank, 0);
    for (int64_t o = 0; o < total; ++o) {
      int64_t src = 0;
      bool inside = true;
      for (int d = 0; d < rank; ++d) {
        int x = idx[d] - before[d];
        const int n = inShape[d];
        if (x < 0 || x >= n) {
          if (mode == schema::PadValueMode_CONSTANT) {
            inside = false;
            break;
          }
          if (mode == schema::PadValueMode_EDGE) x = std::min(std::max(x, 0), n - 1);
          else if (mode == schema::PadValueMode_REFLECT) x = x < 0 ? -x : 2 * (n - 1) - x;
          else x = x < 0 ? -x - 1 : 2 * n - 1 - x;  // SYMMETRIC
          x = std::min(std::max(x, 0), n - 1);
        }
        src += x * inStrides[d];
      }
      if (isF) outT[0]->f[o] = inside ? in[0]->f[src] : fill;
      else outT[0]->i[o] = inside ? in[0]->i[src] : static_cast<int32_t>(fill);
      for (int d = rank - 1; d >= 0; --d) {
        if (++idx[d] < out[d]) break;
        idx[d] = 0;
      }
    }
  });
}

// ---- Crop (Caffe): crop input 0 to the shape of input 1 from `axis` on, at `offset`. -------
std::unique_ptr<OpKernel> makeCrop(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const TensorInfo& ref = ctx.inputs[1];
  const auto* p = ctx.op.main.AsCrop();
  const int rank = static_cast<int>(in.shape.size());
  const int axis = normAxis(p ? p->axis : 2, rank, "Crop");
  std::vector<int> begin(rank, 0), step(rank, 1), size = in.shape;
  for (int d = axis; d < rank; ++d) {
    size[d] = ref.shape.at(d);
    if (p && !p->offset.empty()) begin[d] = p->offset.size() == 1 ? p->offset[0] : p->offset.at(d - axis);
    if (begin[d] + size[d] > in.shape[d]) throw std::invalid_argument("Crop box outside the input");
  }
  ctx.outputs[0] = sameAs(in, size);
  return boxKernel(in.shape, begin, step, size);
}

std::unique_ptr<OpKernel> makeIdentity(OpContext& ctx) {
  auto multi = std::make_unique<MultiKernel>();
  for (size_t k = 0; k < ctx.outputs.size(); ++k) {
    ctx.outputs[k] = ctx.inputs.at(k);
    multi->parts.push_back(makeKernel([k](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
      copyTensorData(*in[k], *out[k]);
    }));
  }
  return multi;
}

}  // namespace

void registerShapeOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_Const, makeConst);
  r.emplace_back(schema::OpType_TrainableParam, makeConst);
  r.emplace_back(schema::OpType_ConvertTensor, makeConvertTensor);
  r.emplace_back(schema::OpType_Reshape, makeReshape);
  r.emplace_back(schema::OpType_Flatten, makeFlatten);
  r.emplace_back(schema::OpType_Squeeze, makeSqueeze);
  r.emplace_back(schema::OpType_Unsqueeze, makeUnsqueeze);
  r.emplace_back(schema::OpType_ExpandDims, makeExpandDims);
  r.emplace_back(schema::OpType_Permute, makePermute);
  r.emplace_back(schema::OpType_Transpose, makeTranspose);
  r.emplace_back(schema::OpType_Shape, makeShape);
  r.emplace_back(schema::OpType_Rank, makeRank);
  r.emplace_back(schema::OpType_Size, makeSize);
  r.emplace_back(schema::OpType_Concat, makeConcat);
  r.emplace_back(schema::OpType_Slice, makeSlice);
  r.emplace_back(schema::OpType_SliceTf, makeSliceTf);
  r.emplace_back(schema::OpType_StridedSlice, makeStridedSlice);
  r.emplace_back(schema::OpType_Gather, makeGather);
  r.emplace_back(schema::OpType_GatherV2, makeGather);
  r.emplace_back(schema::OpType_Cast, makeCast);
  r.emplace_back(schema::OpType_Padding, makePadding);
  r.emplace_back(schema::OpType_Crop, makeCrop);
  r.emplace_back(schema::OpType_Identity, makeIdentity);
  r.emplace_back(schema::OpType_Dropout, makeIdentity);
}

}  // namespace mnnq::exec
