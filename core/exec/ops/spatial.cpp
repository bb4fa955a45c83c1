#include "spatial.hpp"

namespace mnnq::exec {

SpatialShape spatialShape(const TensorInfo& t, const char* what) {
  if (t.shape.size() != 4)
    throw UnsupportedOp(std::string(what) + " on a tensor of rank " + std::to_string(t.shape.size()) +
                        " (4 expected)");
  SpatialShape s;
  s.n = t.shape[0];
  if (t.layout == Layout::NHWC) {
    s.h = t.shape[1];
    s.w = t.shape[2];
    s.c = t.shape[3];
  } else {
    s.c = t.shape[1];
    s.h = t.shape[2];
    s.w = t.shape[3];
  }
  return s;
}

TensorInfo spatialOutput(const TensorInfo& in, int n, int c, int h, int w) {
  TensorInfo o = in;
  o.dtype = DType::Float32;
  o.shape = in.layout == Layout::NHWC ? std::vector<int>{n, h, w, c} : std::vector<int>{n, c, h, w};
  return o;
}

std::unique_ptr<OpKernel> spatialKernel(const TensorInfo& in, const TensorInfo& out, SpatialFn fn) {
  const SpatialShape si = spatialShape(in, "image op");
  const SpatialShape so = spatialShape(out, "image op");
  const bool nhwc = in.layout == Layout::NHWC;
  const std::vector<int> inShape = in.shape;
  const std::vector<int> outNchw{so.n, so.c, so.h, so.w};
  return makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    if (!nhwc) {
      fn(x[0]->f.data(), si.n, si.c, si.h, si.w, y[0]->f.data(), so.c, so.h, so.w);
      return;
    }
    std::vector<float> a(x[0]->f.size()), b(y[0]->f.size());
    nhwcToNchw(x[0]->f.data(), inShape, a.data());
    fn(a.data(), si.n, si.c, si.h, si.w, b.data(), so.c, so.h, so.w);
    nchwToNhwc(b.data(), outNchw, y[0]->f.data());
  });
}

}  // namespace mnnq::exec
