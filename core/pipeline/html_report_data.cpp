#include "html_report_data.hpp"

#include "channel_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace mnnq {
namespace {

const char* typeName(schema::OpType t) {
  const char* n = schema::EnumNameOpType(t);
  return n && *n ? n : "?";
}

// Pass 1 records each watched tensor's value range, pass 2 counts values into equal bins.
class HistogramHook : public TensorHook {
 public:
  struct Stats {
    float lo = std::numeric_limits<float>::max();
    float hi = std::numeric_limits<float>::lowest();
    std::vector<uint64_t> counts;
  };
  explicit HistogramHook(std::map<int, Stats>& stats, bool count) : stats_(stats), count_(count) {}
  void onTensor(int tensor, Tensor& value) override {
    auto it = stats_.find(tensor);
    if (it == stats_.end()) return;
    Stats& s = it->second;
    if (!count_) {
      for (float x : value.f)
        if (std::isfinite(x)) {
          s.lo = std::min(s.lo, x);
          s.hi = std::max(s.hi, x);
        }
      return;
    }
    const double width = s.hi > s.lo ? (static_cast<double>(s.hi) - s.lo) / kHistogramBins : 1.0;
    for (float x : value.f) {
      if (!std::isfinite(x)) continue;
      const int b = std::min(kHistogramBins - 1, std::max(0, static_cast<int>((x - s.lo) / width)));
      ++s.counts[b];
    }
  }

 private:
  std::map<int, Stats>& stats_;
  bool count_;
};

}  // namespace

nlohmann::json tensorErrorJson(const Graph& graph, const Executor& executor, const std::vector<Int8DebugRow>& rows) {
  std::map<int, const Int8DebugRow*> by_tensor;
  for (const Int8DebugRow& r : rows) by_tensor[r.tensor_id] = &r;
  const std::set<int> outputs(graph.outputs().begin(), graph.outputs().end());
  nlohmann::json list = nlohmann::json::array();
  std::set<int> done;
  auto add = [&](int t, const std::string& op, const std::string& type) {
    auto it = by_tensor.find(t);
    if (it == by_tensor.end() || !done.insert(t).second) return;
    const Int8DebugRow& r = *it->second;
    list.push_back({{"tensor", r.tensor}, {"op", op}, {"type", type}, {"is_output", outputs.count(t) > 0},
                    {"cosine", r.cosine}, {"overflow_ratio", r.overflow}, {"sqnr_db", r.sqnr_db}});
  };
  for (int t : graph.inputs()) add(t, graph.tensorName(t), "Input");
  for (int o : executor.executionOrder()) {
    const schema::OpT& op = graph.op(o);
    for (int t : op.outputIndexes) add(t, op.name, typeName(op.type));
  }
  return list;
}

nlohmann::json worstTensorHistograms(const Graph& graph, const Executor& executor, const TensorParams& params,
                                     const std::vector<Int8DebugRow>& rows, SampleFeed& feed,
                                     const std::vector<uint64_t>& samples) {
  // rows are worst first (debugReport's order).
  std::vector<const Int8DebugRow*> worst;
  for (const Int8DebugRow& r : rows) {
    if (worst.size() == kHistogramTensors) break;
    if (params.count(r.tensor_id)) worst.push_back(&r);
  }
  std::map<int, HistogramHook::Stats> stats;
  for (const Int8DebugRow* r : worst) stats[r->tensor_id].counts.assign(kHistogramBins, 0);
  std::vector<uint64_t> chosen;
  for (uint64_t k : spreadSamples(samples.size(), kHistogramSamples)) chosen.push_back(samples[k]);
  std::map<int, Tensor> inputs;
  for (bool count : {false, true}) {
    HistogramHook hook(stats, count);
    for (uint64_t i : chosen)
      if (feed.load(i, inputs)) executor.run(inputs, &hook);
    if (count) break;
    // The bins span the values and the int8 range, so the chart shows both.
    for (auto& [tensor, s] : stats) {
      if (s.lo > s.hi) continue;
      const mnnq_feature_params& p = params.at(tensor);
      s.lo = std::min(s.lo, p.scale * (p.min - p.zero));
      s.hi = std::max(s.hi, p.scale * (p.max - p.zero));
    }
  }
  nlohmann::json list = nlohmann::json::array();
  for (const Int8DebugRow* r : worst) {
    const HistogramHook::Stats& s = stats[r->tensor_id];
    if (s.lo > s.hi) continue;  // never seen
    const mnnq_feature_params& p = params.at(r->tensor_id);
    const int producer = graph.producer(r->tensor_id);
    std::string op = producer >= 0 ? graph.op(producer).name : r->tensor;
    std::string type = producer >= 0 ? typeName(graph.op(producer).type) : "Input";
    list.push_back({{"tensor", r->tensor},
                    {"op", op},
                    {"type", type},
                    {"cosine", r->cosine},
                    {"lo", static_cast<double>(s.lo)},
                    {"hi", static_cast<double>(s.hi > s.lo ? s.hi : s.lo + 1.0f)},
                    {"counts", s.counts},
                    {"range", {static_cast<double>(p.scale) * (p.min - p.zero),
                               static_cast<double>(p.scale) * (p.max - p.zero)}}});
  }
  return list;
}

}  // namespace mnnq
