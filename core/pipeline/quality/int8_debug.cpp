#include "int8_debug.hpp"

#include "evaluate.hpp"

#include "../parallel_samples.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace mnnq {
namespace {

struct Range {
  float scale = 0, zero = 0, min = -128, max = 127;
};

struct Accumulator {
  double cosine = 0, overflow = 0, sqnr = 0;
  int seen = 0;
};

class RecordHook : public TensorHook {
 public:
  explicit RecordHook(const std::map<int, Range>& ranges) : ranges_(ranges) {}
  void onTensor(int tensor, Tensor& value) override {
    if (value.dtype == DType::Float32 && ranges_.count(tensor)) values[tensor] = value.f;
  }
  std::map<int, std::vector<float>> values;

 private:
  const std::map<int, Range>& ranges_;
};

}  // namespace

std::vector<Int8DebugRow> int8DebugReport(const Graph& float_graph, const Graph& quantized,
                                          const ExecutorOptions& exec_options, SampleFeed& feed,
                                          const std::vector<uint64_t>& samples,
                                          const Int8DebugOptions& options) {
  std::map<int, Range> ranges;
  for (const auto& d : quantized.net().extraTensorDescribe) {
    if (!d || !d->quantInfo || d->index < 0 || d->index >= float_graph.numTensors()) continue;
    if (float_graph.tensorName(d->index) != quantized.tensorName(d->index)) continue;
    ranges[d->index] = {d->quantInfo->scale, d->quantInfo->zero, d->quantInfo->min, d->quantInfo->max};
  }
  ExecutorOptions float_options = exec_options, int8_options = exec_options;
  float_options.simulate_int8 = false;
  int8_options.simulate_int8 = true;
  const Executor float_exec(float_graph, float_options);
  const Executor int8_exec(quantized, int8_options);

  std::vector<std::map<int, Accumulator>> per_sample(samples.size());
  Progress progress("debug report (int8)", samples.size(), options.quiet, options.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples.size(), options.threads, progress, [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed.load(samples[k], inputs)) return;
        RecordHook reference(ranges), int8(ranges);
        float_exec.run(inputs, &reference);
        int8_exec.run(inputs, &int8);
        for (const auto& [tensor, b] : int8.values) {
          auto a_it = reference.values.find(tensor);
          if (a_it == reference.values.end() || a_it->second.size() != b.size()) continue;
          const std::vector<float>& a = a_it->second;
          const Range& r = ranges.at(tensor);
          const float inv = r.scale > 0 ? 1.0f / r.scale : 0.0f;
          uint64_t clipped = 0;
          for (size_t i = 0; i < a.size(); ++i) {
            const float code = std::round(a[i] * inv + r.zero);
            if (code > r.max || code < r.min) ++clipped;
          }
          const VectorSums sums = vectorSums(a.data(), b.data(), a.size());
          Accumulator& acc = per_sample[k][tensor];
          acc.cosine += sums.cosine();
          acc.overflow += a.empty() ? 0.0 : static_cast<double>(clipped) / a.size();
          acc.sqnr += sums.err > 0 ? 10.0 * std::log10(std::max(sums.aa, 1e-30) / sums.err) : 200.0;
          acc.seen += 1;
        }
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
  const auto& outputs = float_graph.outputs();
  std::vector<Int8DebugRow> rows;
  for (const auto& [tensor, acc] : total) {
    if (acc.seen == 0) continue;
    Int8DebugRow row;
    row.tensor = float_graph.tensorName(tensor);
    row.tensor_id = tensor;
    // The producer in the written file (an activation folded into a convolution is gone there).
    const int producer = quantized.producer(tensor);
    if (producer >= 0) {
      row.op = quantized.op(producer).name;
      row.op_type = schema::EnumNameOpType(quantized.op(producer).type);
    }
    row.model_output = std::find(outputs.begin(), outputs.end(), tensor) != outputs.end();
    row.cosine = acc.cosine / acc.seen;
    row.overflow = acc.overflow / acc.seen;
    row.sqnr_db = acc.sqnr / acc.seen;
    rows.push_back(row);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Int8DebugRow& a, const Int8DebugRow& b) { return a.cosine < b.cosine; });
  return rows;
}

std::string int8DebugTable(const std::vector<Int8DebugRow>& rows, size_t max_rows) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "\n%-32s %-28s %-20s %9s %9s %8s\n",
                "tensor (worst first, int8 path)", "produced by op", "type", "cosine", "overflow",
                "SQNR dB");
  out << line;
  auto clip = [](std::string s, size_t n) { return s.size() > n ? "..." + s.substr(s.size() - (n - 3)) : s; };
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    const auto& r = rows[i];
    std::string name = clip(r.tensor + (r.model_output ? " (output)" : ""), 32);
    std::snprintf(line, sizeof line, "%-32s %-28s %-20s %9.6f %9.6f %8.2f\n", name.c_str(),
                  clip(r.op, 28).c_str(), clip(r.op_type, 20).c_str(), r.cosine, r.overflow, r.sqnr_db);
    out << line;
  }
  if (rows.size() > max_rows) out << "... " << rows.size() - max_rows << " more rows in the CSV/JSON report\n";
  return out.str();
}

std::string int8DebugCsv(const std::vector<Int8DebugRow>& rows) {
  std::ostringstream out;
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  out << "tensor,tensor_index,op,op_type,model_output,cosine,overflow_ratio,sqnr_db\n";
  for (const auto& r : rows) {
    char line[160];
    std::snprintf(line, sizeof line, ",%d", r.tensor_id);
    out << quote(r.tensor) << line << "," << quote(r.op) << "," << quote(r.op_type) << ","
        << (r.model_output ? "true" : "false");
    std::snprintf(line, sizeof line, ",%.9g,%.9g,%.6g\n", r.cosine, r.overflow, r.sqnr_db);
    out << line;
  }
  return out.str();
}

nlohmann::json int8DebugJson(const std::vector<Int8DebugRow>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows)
    list.push_back({{"tensor", r.tensor},
                    {"tensor_index", r.tensor_id},
                    {"op", r.op},
                    {"op_type", r.op_type},
                    {"model_output", r.model_output},
                    {"cosine", r.cosine},
                    {"overflow_ratio", r.overflow},
                    {"sqnr_db", r.sqnr_db}});
  return list;
}

}  // namespace mnnq
