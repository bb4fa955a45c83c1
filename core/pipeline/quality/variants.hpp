// Quantized variants of one calibrated model that differ only in which ops stay float: exactly
// the file a run with those ops added to skip_quant_op_names would write (same scales, same
// integer weights), built in memory. The weight quantizer is called once per convolution and
// its results are reused, so a variant costs a rewrite and a serialisation, not a
// re-quantization (ADMM weights would take seconds each).
#pragma once

#include "../rewrite.hpp"
#include "../tensor_params.hpp"

#include "mnnq/core/graph.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mnnq {

class VariantFactory {
 public:
  // float_graph: the (equalised) float model the run calibrated; params: the parameters the run
  // writes (skip_quant_op_names already applied with keepSkippedOutputsFloat); options: the
  // run's rewrite options (skip_ops = skip_quant_op_names). All must outlive the factory.
  VariantFactory(const Graph& float_graph, const TensorParams& params, const RewriteOptions& options);

  // The quantized model with `float_ops` (op names) also left float. Thread-safe.
  Graph build(const std::set<std::string>& float_ops, RewriteReport* report = nullptr) const;
  // Same as serialized bytes (what would be written).
  std::vector<uint8_t> buildBytes(const std::set<std::string>& float_ops, RewriteReport* report = nullptr) const;

 private:
  struct Weights {
    std::vector<float> alpha, zeros;
    std::vector<int8_t> values;
    int asymmetric = 0;
  };
  const Graph& graph_;
  const TensorParams& params_;
  RewriteOptions options_;
  QuantizeWeightsFn plugin_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const Weights>> cache_;
  mutable std::map<std::string, std::shared_ptr<const IdstEncoded>> coded_;
};

}  // namespace mnnq
