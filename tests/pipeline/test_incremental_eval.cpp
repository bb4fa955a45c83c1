// Per-op sensitivity re-runs only the ops a variant changes (and what follows them) from the
// base model's cached int8 activations (Executor::rerun, opsToRerun). Its figures must be
// exactly those of a full evaluation of each variant: checked here on UltraFace RFB-320 with
// MNN's own KL parameters (fixtures/mnn_quantized/rfb320/KL/quant.mnn), the MAX_ABS plugin's
// weights and 4 photos, for every candidate op, with and without an op already float, at 1 and
// 2 threads.
#include "quality/evaluate.hpp"
#include "quality/float_ops.hpp"
#include "quality/sensitivity.hpp"
#include "quality/variants.hpp"
#include "sample_feed.hpp"

#include "fixtures.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/plugin_registry.hpp"

#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace mnnq;
using namespace mnnq::test;

namespace {

void requireSameFigures(const QualityReport& incremental, const QualityReport& full, const std::string& what) {
  INFO(what);
  REQUIRE(incremental.samples == full.samples);
  REQUIRE(incremental.outputs.size() == full.outputs.size());
  for (size_t o = 0; o < full.outputs.size(); ++o) {
    INFO("output " << full.outputs[o].name);
    CHECK(incremental.outputs[o].name == full.outputs[o].name);
    // Exact: the same output bytes give the same sums in the same order.
    CHECK(incremental.outputs[o].cosine_mean == full.outputs[o].cosine_mean);
    CHECK(incremental.outputs[o].cosine_min == full.outputs[o].cosine_min);
    CHECK(incremental.outputs[o].worst_sample == full.outputs[o].worst_sample);
    CHECK(incremental.outputs[o].rel_l2_mean == full.outputs[o].rel_l2_mean);
    CHECK(incremental.outputs[o].top1_agreement == full.outputs[o].top1_agreement);
  }
}

}  // namespace

TEST_CASE("sensitivity: partial forwards give exactly the figures of full evaluations (rfb320)",
          "[pipeline][quality][incremental]") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string dir = tempDir("incremental");
  const std::string photos = dir + "/photos";
  boost::filesystem::create_directories(photos);
  for (const char* name : {"faces_ultraface_1.jpg", "misc_opencv_basketball1.png", "n01530575_brambling.JPEG",
                           "text_opencv_imageTextN.png"})
    boost::filesystem::create_symlink(fixture(std::string("images/calib/") + name), photos + "/" + name);
  nlohmann::json config;
  {
    std::ifstream in(fixture("configs/rfb320.json"));
    in >> config;
  }
  config["path"] = photos;
  const std::string config_text = config.dump();

  PluginSearchOptions search;
  search.executable_dir = buildBinDir();
  search.use_environment = false;
  const PluginRegistry registry = PluginRegistry::discover(search);
  const LoadedPlugin* image = registry.find(MNNQ_KIND_INPUT_SOURCE, "image");
  const LoadedPlugin* max_abs = registry.find(MNNQ_KIND_WEIGHT_QUANTIZER, "MAX_ABS");
  REQUIRE(image);
  REQUIRE(max_abs);

  const Graph graph = Graph::load(fixture("models/ultraface/RFB-320.mnn"));
  const ModelInputs inputs = modelInputs(graph);
  InputSourceHandle source(*image, config_text, inputs.descs);
  SampleFeed feed(graph, source, inputs.declared);
  REQUIRE(feed.count() == 4);
  ExecutorOptions exec_options;
  exec_options.input_shapes = feed.inputShapes();
  const Executor executor(graph, exec_options);

  // MNN's KL parameters, matched by tensor name.
  const Graph mnn = Graph::load(fixture("mnn_quantized/rfb320/KL/quant.mnn"));
  TensorParams params;
  for (const auto& d : mnn.net().extraTensorDescribe) {
    if (!d || !d->quantInfo || d->index < 0 || d->index >= mnn.numTensors()) continue;
    const int t = graph.findTensor(mnn.tensorName(d->index));
    if (t < 0 || !(d->quantInfo->scale > 0)) continue;
    params[t] = {1, d->quantInfo->scale, d->quantInfo->zero, d->quantInfo->min, d->quantInfo->max};
  }
  REQUIRE(params.size() > 50);

  WeightQuantizerHandle weights(*max_abs, config_text);
  RewriteOptions rewrite;
  rewrite.quantize_weights = [&](const mnnq_weight_desc& d, mnnq_weight_result& r) { weights.quantize(d, r); };
  rewrite.channels = [&](int tensor) {
    const std::vector<int>& shape = executor.shape(tensor);
    if (shape.size() < 2) return -1;
    return executor.layout(tensor) == Layout::NHWC ? shape.back() : shape[1];
  };
  const VariantFactory variants(graph, params, rewrite);
  const std::vector<int> candidates = floatCandidateOps(graph, executor, params, {});
  REQUIRE(candidates.size() >= 52);  // at least every convolution

  EvaluationOptions eval_options;
  eval_options.threads = 2;
  eval_options.quiet = true;
  const QualityEvaluator evaluator(graph, exec_options, feed, {0, 1, 2, 3}, eval_options);
  REQUIRE(evaluator.sampleCount() == 4);

  for (const std::set<std::string>& already : {std::set<std::string>{}, std::set<std::string>{graph.op(candidates[3]).name}}) {
    const QualityReport baseline = evaluator.evaluate(variants.build(already), "");
    std::vector<int> remaining;
    for (int op : candidates)
      if (!already.count(graph.op(op).name)) remaining.push_back(op);
    SensitivityOptions options;
    options.quiet = true;
    options.threads = 2;
    const SensitivityResult two = rankOpSensitivity(graph, executor, remaining, already, variants, evaluator,
                                                    baseline, options);
    options.threads = 1;
    const SensitivityResult one = rankOpSensitivity(graph, executor, remaining, already, variants, evaluator,
                                                    baseline, options);
    REQUIRE(two.ranked.size() == remaining.size());
    REQUIRE(one.ranked.size() == remaining.size());
    size_t helped = 0;
    for (size_t i = 0; i < two.ranked.size(); ++i) {
      const OpSensitivity& row = two.ranked[i];
      CHECK(one.ranked[i].name == row.name);
      requireSameFigures(one.ranked[i].quality, row.quality, "1 thread against 2: " + row.name);
      std::set<std::string> floating = already;
      floating.insert(row.name);
      const QualityReport full = evaluator.evaluate(variants.build(floating), "", 1);
      requireSameFigures(row.quality, full, "partial against full forwards: " + row.name);
      helped += row.gain != 0;
    }
    // The variants do differ from the base (a check that cannot pass by comparing the base
    // with itself).
    CHECK(helped > remaining.size() / 2);
  }
}

TEST_CASE("Executor::rerun of every op equals run, of no op returns the cached outputs",
          "[pipeline][quality][incremental]") {
  MNNQ_REQUIRE_FIXTURES();
  const Graph g = Graph::load(fixture("mnn_quantized/rfb320/KL/quant.mnn"));
  ExecutorOptions o;
  o.simulate_int8 = true;
  o.op_signatures = true;
  const Executor e(g, o);
  Tensor in;
  in.shape = e.shape(g.inputs()[0]);
  in.f.resize(static_cast<size_t>(in.shape[0]) * in.shape[1] * in.shape[2] * in.shape[3]);
  for (size_t i = 0; i < in.f.size(); ++i) in.f[i] = static_cast<float>((i * 7919) % 255) / 128.0f - 1.0f;
  const std::map<int, Tensor> inputs{{g.inputs()[0], in}};
  const auto full = e.run(inputs);
  const std::vector<Tensor> cached = e.runKeepingAll(inputs);
  const auto all = e.rerun(cached, std::vector<char>(g.numOps(), 1));
  const auto none = e.rerun(cached, std::vector<char>(g.numOps(), 0));
  for (const auto& [t, v] : full) {
    CHECK(all.at(t).f == v.f);
    CHECK(none.at(t).f == v.f);
    CHECK(cached[t].f == v.f);
  }
  // An op signature covers the op's parameters: equal for the same model, non-empty for run ops.
  const Executor again(g, o);
  for (int op : e.executionOrder()) {
    CHECK(!e.opSignature(op).empty());
    CHECK(e.opSignature(op) == again.opSignature(op));
  }
}
