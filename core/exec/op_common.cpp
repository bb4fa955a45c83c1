// Registry of op implementations and the small helpers the op files share.
#include "op_kernel.hpp"

#include <map>

namespace mnnq::exec {

const Tensor& OpContext::constant(int k, const char* what) const {
  if (k >= numInputs() || !constants[k])
    throw UnsupportedOp(std::string(what) + " (input " + std::to_string(k) +
                        ") must be a constant or computable from shapes");
  return *constants[k];
}

namespace {

class WritingAllOutputs : public OpKernel {
 public:
  explicit WritingAllOutputs(std::unique_ptr<OpKernel> k) : k_(std::move(k)) {}
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const override {
    k_->run(in, out);
  }
  bool writesAllOutputs() const override { return true; }

 private:
  std::unique_ptr<OpKernel> k_;
};

}  // namespace

std::unique_ptr<OpKernel> writingAllOutputs(std::unique_ptr<OpKernel> kernel) {
  return std::make_unique<WritingAllOutputs>(std::move(kernel));
}

const OpFactory* findOpFactory(int opType) {
  static const std::map<int, OpFactory> table = [] {
    OpRegistry r;
    registerConvOps(r);
    registerPoolOps(r);
    registerShapeOps(r);
    registerMathOps(r);
    registerImageOps(r);
    registerPooling3D(r);
    registerPriorBox(r);
    registerDetectionOutput(r);
    return std::map<int, OpFactory>(r.begin(), r.end());
  }();
  auto it = table.find(opType);
  return it == table.end() ? nullptr : &it->second;
}

std::vector<int> tensorInts(const Tensor& t) {
  if (t.dtype == DType::Int32) return std::vector<int>(t.i.begin(), t.i.end());
  std::vector<int> v(t.f.size());
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<int>(t.f[k]);
  return v;
}

std::vector<int64_t> stridesOf(const std::vector<int>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

template <typename T>
void transposeData(const T* in, const std::vector<int>& inShape, const std::vector<int>& perm,
                   T* out) {
  const size_t rank = inShape.size();
  const auto inStrides = stridesOf(inShape);
  std::vector<int> outShape(rank);
  std::vector<int64_t> srcStride(rank);
  for (size_t i = 0; i < rank; ++i) {
    outShape[i] = inShape[perm[i]];
    srcStride[i] = inStrides[perm[i]];
  }
  int64_t total = 1;
  for (int d : outShape) total *= d;
  if (total == 0) return;
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int inner = outShape[rank - 1];
  const int64_t innerStride = srcStride[rank - 1];
  std::vector<int> idx(rank, 0);
  int64_t src = 0;
  for (int64_t o = 0; o < total; o += inner) {
    T* dst = out + o;
    if (innerStride == 1) {
      for (int k = 0; k < inner; ++k) dst[k] = in[src + k];
    } else {
      for (int k = 0; k < inner; ++k) dst[k] = in[src + k * innerStride];
    }
    for (size_t d = rank - 1; d-- > 0;) {
      ++idx[d];
      src += srcStride[d];
      if (idx[d] < outShape[d]) break;
      src -= srcStride[d] * outShape[d];
      idx[d] = 0;
    }
  }
}
template void transposeData<float>(const float*, const std::vector<int>&, const std::vector<int>&, float*);
template void transposeData<int32_t>(const int32_t*, const std::vector<int>&, const std::vector<int>&, int32_t*);

std::vector<int> nhwcToNchwShape(const std::vector<int>& s) {
  if (s.size() < 3) return s;
  std::vector<int> r{s[0], s.back()};
  r.insert(r.end(), s.begin() + 1, s.end() - 1);
  return r;
}

std::vector<int> nchwToNhwcShape(const std::vector<int>& s) {
  if (s.size() < 3) return s;
  std::vector<int> r{s[0]};
  r.insert(r.end(), s.begin() + 2, s.end());
  r.push_back(s[1]);
  return r;
}

void nhwcToNchw(const float* in, const std::vector<int>& s, float* out) {
  if (s.size() < 3) {
    std::copy(in, in + (s.empty() ? 1 : int64_t(s[0]) * (s.size() > 1 ? s[1] : 1)), out);
    return;
  }
  std::vector<int> perm{0, int(s.size()) - 1};
  for (int i = 1; i + 1 < int(s.size()); ++i) perm.push_back(i);
  transposeData(in, s, perm, out);
}

void nchwToNhwc(const float* in, const std::vector<int>& s, float* out) {
  if (s.size() < 3) {
    std::copy(in, in + (s.empty() ? 1 : int64_t(s[0]) * (s.size() > 1 ? s[1] : 1)), out);
    return;
  }
  std::vector<int> perm{0};
  for (int i = 2; i < int(s.size()); ++i) perm.push_back(i);
  perm.push_back(1);
  transposeData(in, s, perm, out);
}

bool isChannelFirst(Layout l) { return l == Layout::NCHW || l == Layout::NC4HW4; }

}  // namespace mnnq::exec
