#include "evaluate.hpp"

#include "../parallel_samples.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace mnnq {
namespace {

size_t argMax(const float* row, int n) {
  size_t best = 0;
  for (int k = 1; k < n; ++k)
    if (row[k] > row[best]) best = static_cast<size_t>(k);
  return best;
}

std::vector<float> takeValues(Tensor& v) {
  return v.dtype == DType::Float32 ? std::move(v.f) : std::vector<float>(v.i.begin(), v.i.end());
}

}  // namespace

struct QualityEvaluator::SampleMetrics {
  bool used = false;
  std::vector<char> below_step;  // per output: float and int8 output empty at int8 resolution
  std::vector<double> cosine;   // per output
  std::vector<double> rel_l2;   // per output
  std::vector<size_t> top1_hits;
  std::vector<size_t> top1_rows;
};

VectorSums vectorSums(const float* a, const float* b, size_t n) {
  VectorSums s;
  for (size_t i = 0; i < n; ++i) {
    const double x = a[i], y = b[i];
    s.ab += x * y;
    s.aa += x * x;
    s.bb += y * y;
    const double d = y - x;
    s.err += d * d;
  }
  return s;
}

double VectorSums::cosine() const {
  if (!std::isfinite(ab) || !std::isfinite(aa) || !std::isfinite(bb)) return 0.0;
  if (aa == 0 && bb == 0) return 1.0;
  if (aa == 0 || bb == 0) return 0.0;
  return ab / (std::sqrt(aa) * std::sqrt(bb));
}

double outputCosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 0.0;
  return vectorSums(a.data(), b.data(), a.size()).cosine();
}

bool isClassScoreShape(const std::vector<int>& shape) { return shape.size() == 2 && shape[1] >= 2; }

// The output with the lowest `figure` (the first of equals), null if there is none.
static const OutputQuality* lowest(const std::vector<OutputQuality>& outputs, double OutputQuality::*figure) {
  const OutputQuality* worst = nullptr;
  for (const auto& o : outputs)
    if (!worst || o.*figure < worst->*figure) worst = &o;
  return worst;
}

double QualityReport::worstCosineMean() const {
  const OutputQuality* worst = worstOutput();
  return worst ? worst->cosine_mean : 1.0;
}

const OutputQuality* QualityReport::worstOutput() const { return lowest(outputs, &OutputQuality::cosine_mean); }

double QualityReport::score() const {
  const OutputQuality* worst = scoreOutput();
  return worst ? worst->cosine_mean_with_signal : 1.0;
}

const OutputQuality* QualityReport::scoreOutput() const {
  return lowest(outputs, &OutputQuality::cosine_mean_with_signal);
}

QualityEvaluator::QualityEvaluator(const Graph& float_model, const ExecutorOptions& exec_options,
                                   SampleFeed& feed, const std::vector<uint64_t>& samples,
                                   EvaluationOptions options)
    : feed_(feed), exec_options_(exec_options), options_(std::move(options)) {
  exec_options_.simulate_int8 = false;
  exec_options_.op_signatures = false;
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
        for (int t : outputs) per_sample[k].push_back(takeValues(result[t]));
        usable[k] = 1;
      });
  for (size_t k = 0; k < samples.size(); ++k) {
    if (!usable[k]) continue;
    samples_.push_back(samples[k]);
    reference_.push_back(std::move(per_sample[k]));
  }
  empty_below_.assign(outputs.size(), 0.0);
  for (size_t o = 0; o < outputs.size(); ++o) {
    double range = 0;
    for (const auto& sample : reference_)
      for (float v : sample[o])
        if (std::isfinite(v)) range = std::max(range, static_cast<double>(std::fabs(v)));
    empty_below_[o] = range / 254;
  }
}

// True when every value is finite and |value| < limit.
static bool allBelow(const std::vector<float>& values, double limit) {
  for (float v : values)
    if (!(std::fabs(v) < limit)) return false;
  return true;
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

std::vector<int> QualityEvaluator::outputTensors(const Graph& quantized) const {
  std::vector<int> tensors;
  for (const auto& name : output_names_) {
    const int t = quantized.findTensor(name);
    if (t < 0 || std::find(quantized.outputs().begin(), quantized.outputs().end(), t) ==
                     quantized.outputs().end())
      throw std::runtime_error(quantized.source() + ": the quantized model has no output '" + name +
                               "' (the float model has)");
    tensors.push_back(t);
  }
  return tensors;
}

QualityEvaluator::SampleMetrics QualityEvaluator::compare(size_t k, std::map<int, Tensor>& result,
                                                          const std::vector<int>& tensors) const {
  const size_t n_out = tensors.size();
  SampleMetrics m;
  m.used = true;
  m.below_step.assign(n_out, 0);
  m.cosine.assign(n_out, 0.0);
  m.rel_l2.assign(n_out, 0.0);
  m.top1_hits.assign(n_out, 0);
  m.top1_rows.assign(n_out, 0);
  for (size_t o = 0; o < n_out; ++o) {
    const std::vector<float> values = takeValues(result[tensors[o]]);
    const std::vector<float>& ref = reference_[k][o];
    m.below_step[o] = allBelow(ref, empty_below_[o]) && allBelow(values, empty_below_[o]);
    double err = 1, norm = 0;
    if (values.size() == ref.size()) {
      const VectorSums sums = vectorSums(ref.data(), values.data(), ref.size());
      m.cosine[o] = sums.cosine();
      err = sums.err;
      norm = sums.aa;
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
  return m;
}

QualityReport QualityEvaluator::evaluate(const Executor& executor, const std::string& phase,
                                         unsigned threads) const {
  const std::vector<int> tensors = outputTensors(executor.graph());
  std::vector<SampleMetrics> metrics(samples_.size());
  Progress progress(phase, samples_.size(), options_.quiet || phase.empty(), options_.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples_.size(), threads ? threads : options_.threads, progress,
      [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed_.load(samples_[k], inputs)) return;  // it loaded before; stays usable
        auto result = executor.run(inputs);
        metrics[k] = compare(k, result, tensors);
      });
  return aggregate(metrics);
}

std::vector<QualityReport> QualityEvaluator::evaluateVariants(const Executor& base,
                                                              const std::vector<const Executor*>& variants,
                                                              const std::vector<std::vector<char>>& rerun,
                                                              unsigned threads) const {
  if (rerun.size() != variants.size())
    throw std::invalid_argument("evaluateVariants: one op mask per variant");
  std::vector<std::vector<int>> tensors;
  for (const Executor* v : variants) tensors.push_back(outputTensors(v->graph()));
  // [variant][sample]: the per-sample figures are merged in sample order, as in evaluate().
  std::vector<std::vector<SampleMetrics>> metrics(variants.size(), std::vector<SampleMetrics>(samples_.size()));
  Progress progress("", samples_.size(), true);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples_.size(), threads ? threads : options_.threads, progress,
      [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed_.load(samples_[k], inputs)) return;
        const std::vector<Tensor> cached = base.runKeepingAll(inputs);
        for (size_t v = 0; v < variants.size(); ++v) {
          auto result = variants[v]->rerun(cached, rerun[v]);
          metrics[v][k] = compare(k, result, tensors[v]);
        }
      });
  std::vector<QualityReport> reports;
  for (const auto& m : metrics) reports.push_back(aggregate(m));
  return reports;
}

QualityReport QualityEvaluator::aggregate(const std::vector<SampleMetrics>& metrics) const {
  const size_t n_out = output_names_.size();
  QualityReport report;
  for (size_t o = 0; o < n_out; ++o) {
    OutputQuality q;
    q.name = output_names_[o];
    q.shape = output_shapes_[o];
    q.class_scores = isClassScoreShape(q.shape);
    q.cosine_min = std::numeric_limits<double>::infinity();
    double cos_sum = 0, l2_sum = 0, signal_cos_sum = 0;
    size_t used = 0, hits = 0, rows = 0;
    for (size_t k = 0; k < metrics.size(); ++k) {
      const SampleMetrics& m = metrics[k];
      if (!m.used) continue;
      ++used;
      cos_sum += m.cosine[o];
      if (m.below_step[o]) ++q.samples_below_int8_step;
      else signal_cos_sum += m.cosine[o];
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
    const size_t with_signal = used - q.samples_below_int8_step;
    q.cosine_mean_with_signal = with_signal ? signal_cos_sum / with_signal : 1.0;
    q.rel_l2_mean = used ? l2_sum / used : 0;
    q.top1_agreement = rows ? static_cast<double>(hits) / rows : 0;
    report.samples = used;
    report.outputs.push_back(std::move(q));
  }
  return report;
}

std::vector<char> opsToRerun(const Executor& base, const Executor& variant) {
  const Graph& bg = base.graph();
  const Graph& vg = variant.graph();
  if (bg.numTensors() != vg.numTensors())
    throw std::logic_error("opsToRerun: the variant has other tensors than its base");
  std::vector<int> producer(bg.numTensors(), -1);  // base op computing each tensor
  for (int op : base.executionOrder())
    for (int t : bg.op(op).outputIndexes)
      if (t >= 0) producer[t] = op;
  std::vector<char> rerun(vg.numOps(), 0);
  std::vector<char> differs(vg.numTensors(), 0);
  for (int op : variant.executionOrder()) {
    const schema::OpT& o = vg.op(op);
    bool changed = o.outputIndexes.empty() || o.outputIndexes[0] < 0 || producer[o.outputIndexes[0]] < 0 ||
                   base.opSignature(producer[o.outputIndexes[0]]) != variant.opSignature(op);
    for (int t : o.inputIndexes)
      if (t >= 0 && differs[t]) changed = true;
    if (!changed) continue;
    rerun[op] = 1;
    for (int t : o.outputIndexes)
      if (t >= 0) differs[t] = 1;
  }
  return rerun;
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
    o["samples_below_int8_step"] = q.samples_below_int8_step;
    o["cosine_mean_with_signal"] = q.cosine_mean_with_signal;
    outputs[q.name] = std::move(o);
  }
  j["outputs"] = std::move(outputs);
  const OutputQuality* worst = report.worstOutput();
  j["worst_output"] = worst ? nlohmann::json(worst->name) : nlohmann::json(nullptr);
  j["worst_cosine_mean"] = report.worstCosineMean();
  const OutputQuality* scored = report.scoreOutput();
  j["score_output"] = scored ? nlohmann::json(scored->name) : nlohmann::json(nullptr);
  j["score"] = report.score();
  return j;
}

}  // namespace mnnq
