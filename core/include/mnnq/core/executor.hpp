// CPU executor for a loaded Graph: shape inference once at construction, then forwards that
// can be observed tensor by tensor (calibration) or altered (fake quantization). Float models
// run in fp32; quantized models can be run with MNN's int8 semantics (simulate_int8).
//
// CONTRACT (owned by the executor team; the pipeline relies on exactly this):
//  * Executor(graph, options) infers every tensor's shape for the given input shapes and
//    throws UnsupportedOpsError listing *all* ops it cannot run (type and name) before any
//    sample is processed.
//  * run() is const and thread-safe: all scratch memory is per call, so several threads may
//    run forwards on one Executor at once.
//  * A TensorHook sees every float tensor an op produces (and the graph inputs), exactly once
//    per forward, in execution order, before any consumer reads it. It may modify the data in
//    place; consumers then see the modified values.
//  * Intermediate tensors are freed after their last consumer ran.
#pragma once

#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {

class UnsupportedOpsError : public std::runtime_error {
 public:
  UnsupportedOpsError(const std::string& what, std::vector<std::string> ops)
      : std::runtime_error(what), ops_(std::move(ops)) {}
  // "<type> '<name>'" per unsupported op
  const std::vector<std::string>& ops() const { return ops_; }

 private:
  std::vector<std::string> ops_;
};

struct ExecutorOptions {
  // Shapes of graph inputs by name, in the input's own layout, including the batch dim.
  // Inputs not listed use the shape stored in the model (all dims must then be known).
  std::map<std::string, std::vector<int>> input_shapes;
  // Run a quantized model with MNN's CPU int8 semantics instead of dequantizing to float.
  bool simulate_int8 = false;
  // Keep opSignature() for every step (partial forwards over variants of one model).
  bool op_signatures = false;
};

class TensorHook {
 public:
  virtual ~TensorHook() = default;
  // tensor: graph tensor id. Called for float tensors only.
  virtual void onTensor(int tensor, Tensor& value) = 0;
};

class Executor {
 public:
  Executor(const Graph& graph, ExecutorOptions options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const;
  // Inferred shape and layout of every tensor for the construction-time input shapes.
  const std::vector<int>& shape(int tensor) const;
  Layout layout(int tensor) const;
  DType dtype(int tensor) const;
  // True for tensors computed only from constants (weights, shape arithmetic): never observed.
  bool isConstant(int tensor) const;
  // Ops in the order run() executes them (op indexes into the graph).
  const std::vector<int>& executionOrder() const;
  // With simulate_int8: whether op `op` (graph op index) runs with an int8 kernel (MNN's int8
  // semantics for that op, including int8 data movement); always false without it.
  bool runsInt8(int op) const;
  // With simulate_int8: the int8 ops whose kernel only approximates what MNN's CPU runtime
  // computes, as "'<op name>': <why>", in execution order. Today: Convolution ops with MNN int8
  // Winograd attributes (winogradAttr) of a form quantized.out does not write (several units,
  // a tile whose 1-D size is not 4 or 6, stride or dilation, ...); they run as plain int8
  // convolutions. Empty without simulate_int8.
  std::vector<std::string> approximatedInt8Ops() const;

  // One forward. `inputs` maps graph-input tensor ids to values (shape as given at
  // construction). Returns the graph outputs (Graph::outputs()) by tensor id.
  std::map<int, Tensor> run(const std::map<int, Tensor>& inputs, TensorHook* hook = nullptr) const;

  // Partial forwards, for variants of one quantized model that differ in a few ops (the
  // quality step's per-op sensitivity re-runs only what an op change affects).
  //
  // What the step of op `op` computes from its input values depends on: the op itself
  // (parameters, weights, tensor ids), the inferred shape/layout/dtype of its tensors, the
  // values of its constant inputs and, with simulate_int8, whether it runs in int8 and the
  // quant attributes of its tensors (after MNN's propagation) -- all of it is in the signature.
  // Two executors over graphs with the same tensor ids whose steps for an op have equal
  // signatures compute equal outputs from equal inputs. Empty for ops that are not run (Input,
  // ops folded into constants). Needs ExecutorOptions::op_signatures (else std::logic_error).
  const std::string& opSignature(int op) const;
  // One forward keeping every tensor's value, indexed by tensor id (constants and tensors
  // that are not computed are left empty).
  std::vector<Tensor> runKeepingAll(const std::map<int, Tensor>& inputs) const;
  // Runs only the steps of ops with rerun[op] != 0 (graph op indexes), in execution order; an
  // input that is not a constant and not produced by such a step is read from `cached` (what
  // runKeepingAll gave for an executor over a graph with the same tensor ids and shapes). The
  // caller guarantees that every op reading a re-run op's output is re-run too. Returns the
  // graph outputs like run(): re-computed ones, the others copied from `cached`.
  std::map<int, Tensor> rerun(const std::vector<Tensor>& cached, const std::vector<char>& rerun) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnnq
