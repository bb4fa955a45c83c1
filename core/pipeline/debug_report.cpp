#include "debug_report.hpp"

#include "parallel_samples.hpp"
#include "progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace mnnq {
namespace {

// Per-sample sums for one tensor.
struct Accumulator {
  double cosine = 0;
  double overflow = 0;
  double sqnr = 0;
  int seen = 0;
};

class ReferenceHook : public TensorHook {
 public:
  explicit ReferenceHook(const TensorParams& params) : params_(params) {}
  void onTensor(int tensor, Tensor& value) override {
    if (value.dtype == DType::Float32 && params_.count(tensor)) reference[tensor] = value.f;
  }
  std::map<int, std::vector<float>> reference;

 private:
  const TensorParams& params_;
};

class FakeQuantHook : public TensorHook {
 public:
  FakeQuantHook(const TensorParams& params, const std::map<int, std::vector<float>>& reference,
                std::map<int, Accumulator>& out)
      : params_(params), reference_(reference), out_(out) {}

  void onTensor(int tensor, Tensor& value) override {
    auto p = params_.find(tensor);
    auto ref = reference_.find(tensor);
    if (p == params_.end() || ref == reference_.end() || value.dtype != DType::Float32) return;
    if (ref->second.size() != value.f.size()) return;
    const mnnq_feature_params& q = p->second;
    uint64_t overflow = 0;
    double ab = 0, aa = 0, bb = 0, err = 0;
    for (size_t i = 0; i < value.f.size(); ++i) {
      float code = std::round(value.f[i] / q.scale + q.zero);
      code = std::min(q.max, std::max(q.min, code));
      if (code <= q.min || code >= q.max) ++overflow;
      const float b = (code - q.zero) * q.scale;
      value.f[i] = b;
      const double a = ref->second[i];
      ab += a * b;
      aa += a * a;
      bb += static_cast<double>(b) * b;
      err += (a - b) * (a - b);
    }
    Accumulator& acc = out_[tensor];
    const double denom = std::sqrt(aa) * std::sqrt(bb);
    // Both all-zero: identical, cosine 1.
    acc.cosine += denom > 0 ? ab / denom : (aa == 0 && bb == 0 ? 1.0 : 0.0);
    acc.overflow += value.f.empty() ? 0.0 : static_cast<double>(overflow) / value.f.size();
    acc.sqnr += err > 0 ? 10.0 * std::log10(std::max(aa, 1e-30) / err) : 200.0;
    acc.seen += 1;
  }

 private:
  const TensorParams& params_;
  const std::map<int, std::vector<float>>& reference_;
  std::map<int, Accumulator>& out_;
};

}  // namespace

std::vector<DebugRow> debugReport(const Graph& graph, const Executor& executor,
                                  const TensorParams& params, SampleFeed& feed,
                                  const std::vector<uint64_t>& samples, const RunContext& context) {
  // One accumulator map per sample, summed in sample order afterwards: deterministic.
  std::vector<std::map<int, Accumulator>> per_sample(samples.size());
  Progress progress("debug report", samples.size(), context.quiet, context.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples.size(), context.threads, progress, [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed.load(samples[k], inputs)) return;
        ReferenceHook reference(params);
        executor.run(inputs, &reference);
        FakeQuantHook fake(params, reference.reference, per_sample[k]);
        executor.run(inputs, &fake);
      });

  std::map<int, Accumulator> total;
  for (const auto& sample : per_sample)
    for (const auto& [tensor, acc] : sample) {
      Accumulator& t = total[tensor];
      t.cosine += acc.cosine;
      t.overflow += acc.overflow;
      t.sqnr += acc.sqnr;
      t.seen += acc.seen;
    }
  std::vector<DebugRow> rows;
  for (const auto& [tensor, acc] : total) {
    if (acc.seen == 0) continue;
    DebugRow row;
    row.tensor = graph.tensorName(tensor);
    row.tensor_id = tensor;
    row.cosine = acc.cosine / acc.seen;
    row.overflow = acc.overflow / acc.seen;
    row.sqnr_db = acc.sqnr / acc.seen;
    rows.push_back(row);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const DebugRow& a, const DebugRow& b) { return a.cosine < b.cosine; });
  return rows;
}

std::string debugTable(const std::vector<DebugRow>& rows, size_t max_rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "\n%-48s %10s %10s %10s\n", "tensor (worst first)", "cosine",
                "overflow", "SQNR dB");
  out << line;
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    std::string name = rows[i].tensor;
    if (name.size() > 48) name = "..." + name.substr(name.size() - 45);
    std::snprintf(line, sizeof line, "%-48s %10.6f %10.6f %10.2f\n", name.c_str(), rows[i].cosine,
                  rows[i].overflow, rows[i].sqnr_db);
    out << line;
  }
  if (rows.size() > max_rows)
    out << "... " << rows.size() - max_rows << " more rows in the CSV/JSON report\n";
  return out.str();
}

std::string debugCsv(const std::vector<DebugRow>& rows) {
  std::ostringstream out;
  out << "tensor,tensor_index,cosine,overflow_ratio,sqnr_db\n";
  for (const auto& r : rows) {
    std::string name = r.tensor;
    // RFC 4180 quoting: names may contain commas or quotes.
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    char line[128];
    std::snprintf(line, sizeof line, ",%d,%.9g,%.9g,%.6g\n", r.tensor_id, r.cosine, r.overflow,
                  r.sqnr_db);
    out << quoted << line;
  }
  return out.str();
}

nlohmann::json debugJson(const std::vector<DebugRow>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows)
    list.push_back({{"tensor", r.tensor},
                    {"tensor_index", r.tensor_id},
                    {"cosine", r.cosine},
                    {"overflow_ratio", r.overflow},
                    {"sqnr_db", r.sqnr_db}});
  return list;
}

}  // namespace mnnq
