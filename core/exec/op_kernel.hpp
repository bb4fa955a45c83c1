// Internal interface between the executor and the op implementations.
//
// At construction every op gets an OpContext with the inferred info (shape in the tensor's own
// layout, layout, dtype) of its inputs and, for inputs that are constant (weights, shape
// arithmetic), their values. The op's factory fills in the output infos and returns a kernel;
// run() is then called once per forward with the input values and pre-allocated outputs.
//
// Layout model (MNN's): a tensor's dims are listed in its own layout's order; NC4HW4 tensors use
// NCHW order and are stored as NCHW here. Data is dense row-major in that order.
#pragma once

#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq::exec {

struct TensorInfo {
  std::vector<int> shape;
  Layout layout = Layout::NCHW;
  DType dtype = DType::Float32;
  bool present = true;  // false for an absent optional input (index -1)

  int64_t elementCount() const {
    int64_t n = 1;
    for (int d : shape) n *= d;
    return n;
  }
};

// The op cannot be run by this executor (type or configuration); collected and reported as
// UnsupportedOpsError before any sample runs.
class UnsupportedOp : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OpContext {
  const schema::OpT& op;
  std::vector<TensorInfo> inputs;
  std::vector<const Tensor*> constants;  // per input: value if constant at construction, else null
  std::vector<TensorInfo> outputs;       // to fill, one per op output
  bool simulate_int8 = false;  // ExecutorOptions::simulate_int8

  int numInputs() const { return static_cast<int>(inputs.size()); }
  // The constant value of input k, or throws UnsupportedOp naming `what`.
  const Tensor& constant(int k, const char* what) const;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // in[k] is null for an absent optional input. out[k] is allocated with the inferred shape.
  virtual void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const = 0;
  // True when run() stores every element of every float output: the executor may then hand it
  // recycled buffers holding stale values instead of zeroed ones (kernels/scratch.hpp).
  virtual bool writesAllOutputs() const { return false; }
};

// Marks a kernel as writing every element of its outputs (see OpKernel::writesAllOutputs).
std::unique_ptr<OpKernel> writingAllOutputs(std::unique_ptr<OpKernel> kernel);

// Kernel from a lambda, for the many ops whose state is a few captured values.
template <typename F>
class LambdaKernel : public OpKernel {
 public:
  explicit LambdaKernel(F f) : f_(std::move(f)) {}
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const override {
    f_(in, out);
  }

 private:
  F f_;
};
template <typename F>
std::unique_ptr<OpKernel> makeKernel(F f) {
  return std::make_unique<LambdaKernel<F>>(std::move(f));
}

using OpFactory = std::function<std::unique_ptr<OpKernel>(OpContext&)>;

// Factory for an op type, or null when the type is not implemented.
const OpFactory* findOpFactory(int opType);

// --- helpers shared by op files ---------------------------------------------------------

// Values of an int32 or float tensor as ints (shape arithmetic).
std::vector<int> tensorInts(const Tensor& t);
// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const std::vector<int>& shape);
// Generic N-d transpose: out dim i = in dim perm[i].
template <typename T>
void transposeData(const T* in, const std::vector<int>& inShape, const std::vector<int>& perm,
                   T* out);
// NHWC-ordered dims [N, spatial..., C] <-> NCHW-ordered dims [N, C, spatial...].
std::vector<int> nhwcToNchwShape(const std::vector<int>& s);
std::vector<int> nchwToNhwcShape(const std::vector<int>& s);
// Copy a float tensor's data between an NHWC-ordered and an NCHW-ordered buffer.
void nhwcToNchw(const float* in, const std::vector<int>& nhwcShape, float* out);
void nchwToNhwc(const float* in, const std::vector<int>& nchwShape, float* out);
bool isChannelFirst(Layout l);  // NCHW or NC4HW4

// Registration of each op family or op (one per ops/*.cpp file).
using OpRegistry = std::vector<std::pair<int, OpFactory>>;
void registerConvOps(OpRegistry& r);
void registerPoolOps(OpRegistry& r);
void registerShapeOps(OpRegistry& r);
void registerMathOps(OpRegistry& r);
void registerImageOps(OpRegistry& r);
void registerPooling3D(OpRegistry& r);
void registerPriorBox(OpRegistry& r);
void registerDetectionOutput(OpRegistry& r);

}  // namespace mnnq::exec
