// Held-out quality of a quantized model: its outputs in MNN's int8 runtime (the executor's int8
// simulation, the path `mnnq infer --int8` uses) against the float model's, on evaluation
// samples. The float outputs are computed once and kept, so any number of quantized variants
// (sensitivity, target search) can be evaluated against them.
//
// Per model output, over the evaluation samples:
//   cosine_mean / cosine_min   sum(a*b) / (|a| |b|) per sample (a float, b int8), mean and worst;
//                              1 when both are all zero, 0 when only one is, 0 for non-finite b
//   rel_l2_mean                |b - a| / |a| per sample, averaged (|a| = 0: 0 if b = 0, else 1)
//   top1_agreement             class-score outputs only: the fraction of rows whose arg max
//                              agrees (rows of the same index across samples count once each)
//   samples_below_int8_step    samples on which the output is empty at int8 resolution in both
//                              models (see OutputQuality), and
//   cosine_mean_with_signal    the mean cosine over the other samples: the figure every decision
//                              uses (QualityReport::score)
// A class-score output is a 2-D [N, C] float output with C >= 2 (a classifier's logits or
// probabilities); other shapes (boxes, heat maps, [N, C, 1, 1]) get no top-1 figure.
//
// The result does not depend on the thread count: per-sample values are kept in sample slots
// and summed in sample order.
#pragma once

#include "../progress.hpp"
#include "../sample_feed.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace mnnq {

struct OutputQuality {
  std::string name;
  std::vector<int> shape;
  double cosine_mean = 0;
  double cosine_min = 0;
  std::string worst_sample;  // name of the sample with cosine_min
  double rel_l2_mean = 0;
  bool class_scores = false;
  double top1_agreement = 0;  // only meaningful when class_scores
  // Samples on which the output is empty at int8 resolution: both the float and the int8 output
  // stay below half an int8 step of the output's range everywhere (max |a| and max |b| below
  // R / 254, R = the largest |float value| of this output over all evaluation samples; finite
  // values only). A per-tensor int8 output can only write zeros there, and the cosine of two
  // noise-level vectors says nothing (it is 0 when b is all zero): a text detector's
  // probability map on a photo without text. They are counted in the figures above; this says
  // how many, and the mean cosine over the other samples (equal to cosine_mean when there are
  // none; 1 when all are, as for two all-zero vectors). The threshold depends on the float
  // outputs only, so it is the same for every quantized variant, and a variant that writes
  // something where float has nothing is not let off.
  size_t samples_below_int8_step = 0;
  double cosine_mean_with_signal = 1;
};

struct QualityReport {
  // Where the samples came from: "validation_path" (held out) or "calibration" (a spread subset
  // of the calibration samples: in-sample, slightly optimistic).
  std::string source;
  std::string path;  // the folder of those samples
  bool in_sample = false;
  size_t samples = 0;  // evaluated (usable) samples
  std::vector<OutputQuality> outputs;  // in the float model's output order

  bool empty() const { return outputs.empty(); }
  // The worst output's mean cosine over all samples (the headline figure, comparable with any
  // other tool's); 1 if no output.
  double worstCosineMean() const;
  const OutputQuality* worstOutput() const;
  // The worst output's cosine_mean_with_signal: the figure target_cosine is compared with, and
  // that the method choice, the sensitivity ranking and the low-quality note use. Equal to
  // worstCosineMean() unless some samples are empty at int8 resolution; 1 if no output.
  double score() const;
  const OutputQuality* scoreOutput() const;
};

struct EvaluationOptions {
  unsigned threads = 1;
  bool quiet = false;
  ProgressCallback progress;
};

class QualityEvaluator {
 public:
  // Runs the float model on `samples` of `feed` once (phase "evaluate: float reference") and
  // keeps its outputs. Samples the feed rejects are left out. `exec_options` are the float
  // executor's (input shapes of the feed); the quantized models are run with the same shapes.
  QualityEvaluator(const Graph& float_model, const ExecutorOptions& exec_options, SampleFeed& feed,
                   const std::vector<uint64_t>& samples, EvaluationOptions options);

  // Runs `quantized` with the int8 simulation on the kept samples and compares. Outputs are
  // matched by tensor name; an output the quantized model lacks is a std::runtime_error.
  // `phase` labels the progress line (empty: no progress line).
  // `threads` 0 = the evaluator's; 1 when the caller already runs one evaluation per thread.
  QualityReport evaluate(const Graph& quantized, const std::string& phase, unsigned threads = 0) const;
  // Same with an already built int8 executor over `quantized` (simulate_int8 on).
  QualityReport evaluate(const Executor& int8_executor, const std::string& phase,
                         unsigned threads = 0) const;

  // Variants of one base model that differ from it in a few ops, with partial forwards: per
  // sample the base runs once keeping every activation, and variant v re-runs only the ops
  // rerun[v] flags (opsToRerun) from them. The reports are those evaluate() gives for each
  // variant, bit for bit. Executors: simulate_int8 and op_signatures on, graphs with the same
  // tensor ids. Parallel over samples (`threads` 0 = the evaluator's); no progress line.
  std::vector<QualityReport> evaluateVariants(const Executor& base, const std::vector<const Executor*>& variants,
                                              const std::vector<std::vector<char>>& rerun,
                                              unsigned threads = 0) const;

  size_t sampleCount() const { return samples_.size(); }
  // Signs that the float model itself is broken, one line per kind, naming the outputs: values
  // that are not finite, or (over two or more samples) values identical for every sample, i.e.
  // outputs that do not depend on the input. Int8 figures against such outputs mean little.
  std::vector<std::string> floatReferenceProblems() const;
  const ExecutorOptions& executorOptions() const { return exec_options_; }

 private:
  struct SampleMetrics;
  // The quantized model's output tensors matching the float outputs, in their order.
  std::vector<int> outputTensors(const Graph& quantized) const;
  // One sample's outputs (`result`, consumed) against its float reference.
  SampleMetrics compare(size_t sample, std::map<int, Tensor>& result, const std::vector<int>& tensors) const;
  QualityReport aggregate(const std::vector<SampleMetrics>& metrics) const;

  SampleFeed& feed_;
  ExecutorOptions exec_options_;
  EvaluationOptions options_;
  std::vector<uint64_t> samples_;             // usable samples, increasing
  std::vector<std::string> output_names_;     // float model outputs, in order
  std::vector<std::vector<int>> output_shapes_;
  std::vector<std::vector<std::vector<float>>> reference_;  // [sample][output] values
  // Per output: half an int8 step of its float range over the evaluation samples (R / 254);
  // a sample whose float and int8 outputs both stay below it is empty (OutputQuality).
  std::vector<double> empty_below_;
};

// Sums over two equally long vectors a (reference) and b, in double, in index order: the one
// loop behind every cosine and error figure (outputs here, tensors in the int8 debug report).
struct VectorSums {
  double ab = 0, aa = 0, bb = 0;
  double err = 0;  // sum (b - a)^2
  double cosine() const;  // as defined above
};
VectorSums vectorSums(const float* a, const float* b, size_t n);

// Cosine between two equally long vectors, as defined above (double accumulation).
double outputCosine(const std::vector<float>& reference, const std::vector<float>& value);

// Ops of `variant` whose outputs can differ from `base`'s for the same inputs: ops whose
// Executor::opSignature differs from that of the base op producing the same output tensor
// (or that the base lacks), and every op downstream of them. Both executors need
// op_signatures and graphs with the same tensor ids (variants of one float model).
std::vector<char> opsToRerun(const Executor& base, const Executor& variant);
// Whether an output of this shape is treated as class scores (2-D, C >= 2).
bool isClassScoreShape(const std::vector<int>& shape);

// Summary lines ("  quality ...") and JSON (the report's "quality" object, schema in
// report.hpp).
std::string qualityTable(const QualityReport& report);
nlohmann::json qualityJson(const QualityReport& report);

}  // namespace mnnq
