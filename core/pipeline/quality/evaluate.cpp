#include "evaluate.hpp"

#include "../parallel_samples.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace mnnq {
namespace {

struct SampleMetrics {
  bool used = false;
  std::vector<double> cosine;   // per output
  std::vector<double> rel_l2;   // per output
  std::vector<size_t> top1_hits;
  std::vector<size_t> top1_rows;
};

size_t argMax(const float* row, int n) {
  size_t best = 0;
  for (int k = 1; k < n; ++k)
    if (row[k] > row[best]) best = static_cast<size_t>(k);
  return best;
}

}  // namespace

double outputCosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0.0;
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (!std::isfinite(dot) || !std::isfinite(na) || !std::isfinite(nb)) return 0.0;
  if (na == 0 && nb == 0) return 1.0;
  if (na == 0 || nb == 0) return 0.0;
  return dot / (std::sqrt(na) * std::sqrt(nb));
}

bool isClassScoreShape(const std::vector<int>& shape) { return shape.size() == 2 && shape[1] >= 2; }

double QualityReport::worstCosineMean() const {
  const OutputQuality* worst = worstOutput();
  return worst ? worst->cosine_mean : 1.0;
}

const OutputQuality* QualityReport::worstOutput() const {
  const OutputQuality* worst = nullptr;
  for (const auto& o : outputs)
    if (!worst || o.cosine_mean < worst->cosine_mean) worst = &o;
  return worst;
}

QualityEvaluator::QualityEvaluator(const Graph& float_model, const ExecutorOptions& exec_options,
                                   SampleFeed& feed, const std::vector<uint64_t>& samples,
                                   EvaluationOptions options)
    : feed_(feed), exec_options_(exec_options), options_(std::move(options)) {
  exec_options_.simulate_int8 = false;
  const Executor executor(float_model, exec_options_);
  for (int t : float_model.outputs()) {
    output_names_.push_back(float_model.tensorName(t));
    output_shapes_.push_back(executor.shape(t));
  }
  std::vector<std::vector<std::vector<float>>> per_sample(samples.size());
  std::vector<char> usable(samples.size(), 0);
  Progress progress("evaluate: float reference", samples.size(), options_.quiet, options_.progress);
  const std::vector<int> outputs = float_model.outputs();
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples.size(), options_.threads, progress, [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed_.load(samples[k], inputs)) return;
        auto result = executor.run(inputs);
        for (int t : outputs) {
          Tensor& v = result[t];
          if (v.dtype == DType::Float32)
            per_sample[k].push_back(std::move(v.f));
          else
            per_sample[k].emplace_back(v.i.begin(), v.i.end());
        }
        usable[k] = 1;
      });
  for (size_t k = 0; k < samples.size(); ++k) {
    if (!usable[k]) continue;
    samples_.push_back(samples[k]);
    reference_.push_back(std::move(per_sample[k]));
  }
}

std::vector<std::string> QualityEvaluator::floatReferenceProblems() const {
  std::string constant, non_finite;  // quoted output names
  double constant_max_abs = 0;
  auto append = [](std::string& list, const std::string& name) {
    list += (list.empty() ? "'" : ", '") + name + "'";
  };
  for (size_t o = 0; o < output_names_.size(); ++o) {
    bool finite = true;
    bool all_same = reference_.size() >= 2;
    double max_abs = 0;
    for (size_t k = 0; k < reference_.size(); ++k) {
      const std::vector<float>& v = reference_[k][o];
      for (float x : v) {
        if (!std::isfinite(x)) finite = false;
        else max_abs = std::max(max_abs, static_cast<double>(std::fabs(x)));
      }
      if (all_same && k > 0 && v != reference_[0][o]) all_same = false;
    }
    if (!finite) {
      append(non_finite, output_names_[o]);
    } else if (all_same) {
      append(constant, output_names_[o]);
      constant_max_abs = std::max(constant_max_abs, max_abs);
    }
  }
  std::vector<std::string> problems;
  const std::string samples = std::to_string(reference_.size()) + " evaluation samples";
  if (!non_finite.empty())
    problems.push_back("the float model's output(s) " + non_finite + " hold non-finite values on the " +
                       samples + ": the float model itself looks broken");
  if (!constant.empty()) {
    char magnitude[48];
    std::snprintf(magnitude, sizeof magnitude, "%.3g", constant_max_abs);
    problems.push_back("the float model's output(s) " + constant + " are identical for all " + samples +
                       " (largest |value| " + magnitude +
                       "): they do not depend on the input, so the float model itself looks broken "
                       "and int8 figures against it mean little");
  }
  return problems;
}

QualityReport QualityEvaluator::evaluate(const Graph& quantized, const std::string& phase,
                                         unsigned threads) const {
  ExecutorOptions options = exec_options_;
  options.simulate_int8 = true;
  const Executor executor(quantized, options);
  return evaluate(executor, phase, threads);
}

QualityReport QualityEvaluator::evaluate(const Executor& executor, const std::string& phase,
                                         unsigned threads) const {
  const Graph& quantized = executor.graph();
  std::vector<int> tensors;
  for (const auto& name : output_names_) {
    const int t = quantized.findTensor(name);
    if (t < 0 || std::find(quantized.outputs().begin(), quantized.outputs().end(), t) ==
                     quantized.outputs().end())
      throw std::runtime_error(quantized.source() + ": the quantized model has no output '" + name +
                               "' (the float model has)");
    tensors.push_back(t);
  }
  const size_t n_out = tensors.size();
  std::vector<SampleMetrics> metrics(samples_.size());
  Progress progress(phase, samples_.size(), options_.quiet || phase.empty(), options_.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples_.size(), threads ? threads : options_.threads, progress,
      [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed_.load(samples_[k], inputs)) return;  // it loaded before; stays usable
        auto result = executor.run(inputs);
        SampleMetrics& m = metrics[k];
        m.used = true;
        m.cosine.assign(n_out, 0.0);
        m.rel_l2.assign(n_out, 0.0);
        m.top1_hits.assign(n_out, 0);
        m.top1_rows.assign(n_out, 0);
        for (size_t o = 0; o < n_out; ++o) {
          Tensor& v = result[tensors[o]];
          std::vector<float> values =
              v.dtype == DType::Float32 ? std::move(v.f) : std::vector<float>(v.i.begin(), v.i.end());
          const std::vector<float>& ref = reference_[k][o];
          m.cosine[o] = outputCosine(ref, values);
          double err = 0, norm = 0;
          if (values.size() == ref.size()) {
            for (size_t i = 0; i < ref.size(); ++i) {
              const double d = static_cast<double>(values[i]) - ref[i];
              err += d * d;
              norm += static_cast<double>(ref[i]) * ref[i];
            }
          } else {
            err = 1;
          }
          if (!std::isfinite(err)) m.rel_l2[o] = 1;
          else if (norm > 0) m.rel_l2[o] = std::sqrt(err / norm);
          else m.rel_l2[o] = err > 0 ? 1.0 : 0.0;
          const std::vector<int>& shape = output_shapes_[o];
          if (isClassScoreShape(shape) && values.size() == ref.size() &&
              ref.size() == static_cast<size_t>(shape[0]) * shape[1]) {
            for (int r = 0; r < shape[0]; ++r) {
              const size_t off = static_cast<size_t>(r) * shape[1];
              m.top1_hits[o] += argMax(ref.data() + off, shape[1]) == argMax(values.data() + off, shape[1]);
              ++m.top1_rows[o];
            }
          }
        }
      });

  QualityReport report;
  for (size_t o = 0; o < n_out; ++o) {
    OutputQuality q;
    q.name = output_names_[o];
    q.shape = output_shapes_[o];
    q.class_scores = isClassScoreShape(q.shape);
    q.cosine_min = std::numeric_limits<double>::infinity();
    double cos_sum = 0, l2_sum = 0;
    size_t used = 0, hits = 0, rows = 0;
    for (size_t k = 0; k < metrics.size(); ++k) {
      const SampleMetrics& m = metrics[k];
      if (!m.used) continue;
      ++used;
      cos_sum += m.cosine[o];
      l2_sum += m.rel_l2[o];
      hits += m.top1_hits[o];
      rows += m.top1_rows[o];
      if (m.cosine[o] < q.cosine_min) {
        q.cosine_min = m.cosine[o];
        q.worst_sample = feed_.sampleName(samples_[k]);
      }
    }
    if (used == 0) q.cosine_min = 0;
    q.cosine_mean = used ? cos_sum / used : 0;
    q.rel_l2_mean = used ? l2_sum / used : 0;
    q.top1_agreement = rows ? static_cast<double>(hits) / rows : 0;
    report.samples = used;
    report.outputs.push_back(std::move(q));
  }
  return report;
}

std::string qualityTable(const QualityReport& report) {
  std::ostringstream out;
  char line[512];
  if (report.empty()) return "";
  std::string where = std::to_string(report.samples) +
                      (report.in_sample ? " calibration samples (in-sample: slightly optimistic)"
                                        : " held-out samples from validation_path");
  out << "  quality, int8 against float on " << where << ":\n";
  std::snprintf(line, sizeof line, "    %-28s %11s %9s %9s %7s\n", "output", "cosine mean", "worst",
                "rel. L2", "top-1");
  out << line;
  for (const auto& q : report.outputs) {
    std::string name = q.name.size() > 28 ? q.name.substr(0, 25) + "..." : q.name;
    char top1[32] = "-";
    if (q.class_scores) std::snprintf(top1, sizeof top1, "%.1f%%", 100.0 * q.top1_agreement);
    std::snprintf(line, sizeof line, "    %-28s %11.4f %9.4f %9.4f %7s\n", name.c_str(), q.cosine_mean,
                  q.cosine_min, q.rel_l2_mean, top1);
    out << line;
  }
  return out.str();
}

nlohmann::json qualityJson(const QualityReport& report) {
  nlohmann::json j;
  j["source"] = report.source;
  j["path"] = report.path;
  j["in_sample"] = report.in_sample;
  j["samples"] = report.samples;
  nlohmann::json outputs = nlohmann::json::object();
  for (const auto& q : report.outputs) {
    nlohmann::json o;
    o["shape"] = q.shape;
    o["cosine_mean"] = q.cosine_mean;
    o["cosine_min"] = q.cosine_min;
    o["worst_sample"] = q.worst_sample;
    o["rel_l2_mean"] = q.rel_l2_mean;
    o["class_scores"] = q.class_scores;
    o["top1_agreement"] = q.class_scores ? nlohmann::json(q.top1_agreement) : nlohmann::json(nullptr);
    outputs[q.name] = std::move(o);
  }
  j["outputs"] = std::move(outputs);
  const OutputQuality* worst = report.worstOutput();
  j["worst_output"] = worst ? nlohmann::json(worst->name) : nlohmann::json(nullptr);
  j["worst_cosine_mean"] = report.worstCosineMean();
  return j;
}

}  // namespace mnnq
