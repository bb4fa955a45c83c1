#include "variants.hpp"

#include "float_ops.hpp"

#include <algorithm>
#include <cstring>

namespace mnnq {

VariantFactory::VariantFactory(const Graph& float_graph, const TensorParams& params,
                               const RewriteOptions& options)
    : graph_(float_graph), params_(params), options_(options), plugin_(options.quantize_weights) {
  // Each layer's float weights are the same in every variant, so the plugin's answer is too.
  options_.quantize_weights = [this](const mnnq_weight_desc& d, mnnq_weight_result& r) {
    std::shared_ptr<const Weights> w;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = cache_.find(d.op_name);
      if (found != cache_.end()) w = found->second;
    }
    if (!w) {
      auto fresh = std::make_shared<Weights>();
      fresh->alpha.assign(d.out_channels, 0.0f);
      fresh->zeros.assign(d.out_channels, 0.0f);
      fresh->values.assign(d.count, 0);
      mnnq_weight_result mine{fresh->alpha.data(), fresh->zeros.data(), fresh->values.data(), 0};
      plugin_(d, mine);
      fresh->asymmetric = static_cast<int>(mine.asymmetric);
      std::lock_guard<std::mutex> lock(mutex_);
      w = cache_.emplace(d.op_name, std::move(fresh)).first->second;
    }
    std::copy(w->alpha.begin(), w->alpha.end(), r.scales);
    std::copy(w->zeros.begin(), w->zeros.end(), r.zero_points);
    std::copy(w->values.begin(), w->values.end(), r.values);
    r.asymmetric = static_cast<uint32_t>(w->asymmetric);
  };
  options_.encode_weights = [this](const std::string& op, const int8_t* values, uint32_t oc, uint64_t area,
                                    int bits, bool allow_sparse) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = coded_.find(op);
      if (found != coded_.end()) return *found->second;
    }
    auto coded = std::make_shared<const IdstEncoded>(encodeIdst(values, oc, area, bits, allow_sparse));
    std::lock_guard<std::mutex> lock(mutex_);
    return *coded_.emplace(op, std::move(coded)).first->second;
  };
}

std::vector<uint8_t> VariantFactory::buildBytes(const std::set<std::string>& float_ops,
                                                RewriteReport* report) const {
  TensorParams params = params_;
  keepSkippedOutputsFloat(graph_, float_ops, params);
  const std::vector<uint8_t> source = serializeNet(graph_.net());
  Graph copy = Graph::fromBuffer(source.data(), source.size(), graph_.source());
  RewriteOptions options = options_;
  options.skip_ops.insert(float_ops.begin(), float_ops.end());
  RewriteReport r = rewriteQuantized(copy.net(), params, options);
  if (report) *report = std::move(r);
  return serializeNet(copy.net());
}

Graph VariantFactory::build(const std::set<std::string>& float_ops, RewriteReport* report) const {
  const std::vector<uint8_t> bytes = buildBytes(float_ops, report);
  return Graph::fromBuffer(bytes.data(), bytes.size(), graph_.source() + " (variant)");
}

}  // namespace mnnq
