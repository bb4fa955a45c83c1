// Issue 12 items 1-3 on a hand-built model whose worst op is known by construction:
//
//   x[1,16,6,6] -+-> convA (1x1, 16 -> 4, well-conditioned weights) -> outA
//                +-> convP (1x1, 16 -> 4, one weight 1.0 and fifteen of 0.0045 per channel) -> outP
//                +-> convC (1x1, 16 -> 4, well-conditioned weights) -> outC
//
// Every output is a graph output, so no op's float output forces another op to float. convP's
// per-channel int8 weight scale is 1/127, on which 0.0045 becomes 0.00787 (+75 %): its output is
// by far the worst, and leaving convP float is the only change that helps the worst output.
// Reference figures are computed here with the executor (float model, and the written file
// with the int8 simulation) and this file's own cosine loop.
#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <catch2/catch.hpp>

#include <boost/filesystem.hpp>

#include <fstream>
#include <iterator>

using namespace mnnq;
using namespace mnnq::test;

namespace {

constexpr int kIn = 16, kOut = 4, kH = 6, kW = 6;

std::unique_ptr<schema::OpT> conv1x1(const std::string& name, int in, int out, std::vector<float> weights) {
  auto conv = std::make_unique<schema::OpT>();
  conv->name = name;
  conv->type = schema::OpType_Convolution;
  conv->inputIndexes = {in};
  conv->outputIndexes = {out};
  auto c2d = std::make_unique<schema::Convolution2DT>();
  c2d->common = std::make_unique<schema::Convolution2DCommonT>();
  c2d->common->inputCount = kIn;
  c2d->common->outputCount = kOut;
  c2d->weight = std::move(weights);
  c2d->bias.assign(kOut, 0.0f);
  conv->main.type = schema::OpParameter_Convolution2D;
  conv->main.value = c2d.release();
  return conv;
}

std::vector<float> wellConditioned(int seed) {
  std::vector<float> w(kOut * kIn);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(((i * 37 + seed * 11) % 29) - 14) / 14.0f;
  return w;
}

std::vector<float> pathological() {
  std::vector<float> w(kOut * kIn, 0.0045f);
  for (int o = 0; o < kOut; ++o) w[o * kIn + o] = 1.0f;
  return w;
}

// The models' one input: tensor 0, "x", [1, kIn, kH, kW] NCHW.
std::unique_ptr<schema::OpT> inputX() {
  auto input = std::make_unique<schema::OpT>();
  input->name = "x";
  input->type = schema::OpType_Input;
  input->outputIndexes = {0};
  auto p = std::make_unique<schema::InputT>();
  p->dims = {1, kIn, kH, kW};
  p->dformat = schema::MNN_DATA_FORMAT_NCHW;
  input->main.type = schema::OpParameter_Input;
  input->main.value = p.release();
  return input;
}

std::string writeModel(const std::string& dir) {
  schema::NetT net;
  net.tensorName = {"x", "outA", "outP", "outC"};
  net.sourceType = schema::NetSource_ONNX;
  net.oplists.push_back(inputX());
  net.oplists.push_back(conv1x1("convA", 0, 1, wellConditioned(1)));
  net.oplists.push_back(conv1x1("convP", 0, 2, pathological()));
  net.oplists.push_back(conv1x1("convC", 0, 3, wellConditioned(2)));
  net.outputName = {"outA", "outP", "outC"};
  net.tensorNumber = 4;
  const std::string path = dir + "/three_branches.mnn";
  saveNet(net, path);
  return path;
}

// Values in [-1, 1) around zero mean (so bias correction cannot undo convP's weight error),
// different per sample; channels 0-3, which convP weighs by 1.0, only reach +-0.05, so the
// fifteen small weights carry a good part of convP's outputs.
Tensor sample(int s) {
  Tensor t;
  t.shape = {1, kIn, kH, kW};
  t.f.resize(kIn * kH * kW);
  for (size_t i = 0; i < t.f.size(); ++i) {
    const float amplitude = i / (kH * kW) < 4 ? 0.05f : 1.0f;
    t.f[i] = amplitude * (static_cast<float>((i * 13 + s * 7) % 23) / 11.5f - 1.0f);
  }
  return t;
}

std::string writeSamples(const std::string& dir, const std::string& name, int first, int count) {
  const std::string root = dir + "/" + name;
  for (int s = first; s < first + count; ++s) {
    const std::string folder = root + "/s" + std::to_string(s);
    boost::filesystem::create_directories(folder);
    writeNpy(folder + "/x.npy", sample(s));
  }
  return root;
}

// Held-out samples 100 and 101 as usual ("loud") and 102, 103 scaled by 1e-4 ("quiet": every
// output stays below half an int8 step, and their int8 input is already all zero).
std::string writeLoudAndQuiet(const std::string& dir) {
  const std::string held = dir + "/held";
  for (int s = 0; s < 4; ++s) {
    Tensor t = sample(100 + s);
    if (s >= 2)
      for (float& v : t.f) v *= 1e-4f;
    boost::filesystem::create_directories(held + "/s" + std::to_string(s));
    writeNpy(held + "/s" + std::to_string(s) + "/x.npy", t);
  }
  return held;
}

std::vector<uint8_t> fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Mean over `samples` of cosine(float model, written model in int8) per output name.
std::map<std::string, double> referenceCosines(const std::string& float_path, const std::string& int8_path,
                                               const std::vector<int>& samples) {
  const Graph fg = Graph::load(float_path), qg = Graph::load(int8_path);
  const Executor fe(fg);
  ExecutorOptions o;
  o.simulate_int8 = true;
  const Executor qe(qg, o);
  std::map<std::string, double> sums;
  for (int s : samples) {
    const auto fo = fe.run({{fg.inputs()[0], sample(s)}});
    const auto qo = qe.run({{qg.inputs()[0], sample(s)}});
    for (const auto& [t, v] : fo) {
      const std::string& name = fg.tensorName(t);
      sums[name] += cosine(v.f, qo.at(qg.findTensor(name)).f);
    }
  }
  for (auto& [name, sum] : sums) sum /= samples.size();
  return sums;
}

}  // namespace

TEST_CASE("quality: in-sample evaluation on a spread subset, figures as computed independently",
          "[pipeline][quality]") {
  const std::string dir = tempDir("quality-insample");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 10);
  const PipelineRun run = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"validation_samples", 4}});
  const auto& q = run.report["quality"];
  REQUIRE(q.is_object());
  CHECK(run.report["schema"] == "mnnq-report");
  CHECK(run.report["version"] == 1);
  CHECK(q["source"] == "calibration");
  CHECK(q["in_sample"] == true);
  CHECK(q["samples"] == 4);
  // Spread subset of 10 samples, 4 of them: k * 10 / 4 = 0, 2, 5, 7 (names s0..s9 sort alike).
  const auto expected = referenceCosines(model, run.output, {0, 2, 5, 7});
  for (const char* name : {"outA", "outP", "outC"}) {
    INFO(name);
    CHECK(q["outputs"][name]["cosine_mean"].get<double>() == Approx(expected.at(name)).margin(1e-12));
    CHECK(q["outputs"][name]["cosine_min"].get<double>() <= q["outputs"][name]["cosine_mean"].get<double>());
    CHECK(q["outputs"][name]["class_scores"] == false);
    CHECK(q["outputs"][name]["top1_agreement"].is_null());
  }
  CHECK(q["worst_output"] == "outP");
  CHECK(run.report["sensitivity"].is_null());
  CHECK(run.report["target"].is_null());
}

TEST_CASE("quality: validation_path samples are held out and counted", "[pipeline][quality]") {
  const std::string dir = tempDir("quality-heldout");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 8);
  const std::string held = writeSamples(dir, "held", 100, 3);
  const PipelineRun run = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"validation_path", held}});
  const auto& q = run.report["quality"];
  CHECK(q["source"] == "validation_path");
  CHECK(q["in_sample"] == false);
  CHECK(q["samples"] == 3);
  const auto expected = referenceCosines(model, run.output, {100, 101, 102});
  CHECK(q["outputs"]["outP"]["cosine_mean"].get<double>() == Approx(expected.at("outP")).margin(1e-12));
}

TEST_CASE("quality: evaluation does not change the written bytes", "[pipeline][quality]") {
  const std::string dir = tempDir("quality-bytes");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  const PipelineRun off = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"validation_samples", 0}});
  const auto off_bytes = fileBytes(off.output);
  CHECK(off.report["quality"].is_null());
  const PipelineRun on = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"sensitivity", true}});
  CHECK(on.report["quality"].is_object());
  CHECK(fileBytes(on.output) == off_bytes);
}

TEST_CASE("sensitivity ranks the op whose float version helps the worst output first",
          "[pipeline][quality]") {
  const std::string dir = tempDir("quality-sensitivity");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  for (unsigned threads : {1u, 2u}) {
    const PipelineRun run =
        runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"sensitivity", true}}, threads);
    const auto& s = run.report["sensitivity"];
    REQUIRE(s.is_object());
    const auto& ops = s["ops"];
    REQUIRE(ops.size() == 3);  // every quantized op is listed
    CHECK(ops[0]["op"] == "convP");
    CHECK(ops[0]["type"] == "Convolution");
    CHECK(ops[0]["inputs"] == nlohmann::json::array({"x"}));
    CHECK(ops[0]["outputs"] == nlohmann::json::array({"outP"}));
    CHECK(ops[0]["produces_model_output"] == true);
    CHECK(ops[0]["gain"].get<double>() > 1e-5);
    // The other branches do not touch outP, the worst output: no gain at all.
    CHECK(ops[1]["gain"].get<double>() == 0.0);
    CHECK(ops[2]["gain"].get<double>() == 0.0);
    CHECK(s["skip_quant_op_names"] == nlohmann::json::array({"convP"}));
    // Each op is a third of the model's MACs: 16 * 4 * 36 each.
    CHECK(ops[0]["conv_macs"].get<double>() == 16.0 * 4 * 36);
    CHECK(ops[0]["int8_conv_mac_share"].get<double>() == Approx(2.0 / 3.0));
  }
}

TEST_CASE("skip_quant_op_names leaves the op's output float", "[pipeline][quality]") {
  const std::string dir = tempDir("quality-skip");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  const PipelineRun run = runPipelineWith(
      model, {{"input_type", "npy"}, {"path", calib}, {"skip_quant_op_names", {"convP"}}});
  const Graph written = Graph::load(run.output);
  const auto* conv = written.op(written.findOp("convP")).main.AsConvolution2D();
  REQUIRE(conv);
  CHECK(!conv->weight.empty());
  CHECK(!conv->quanParameter);
  const int out = written.findTensor("outP");
  for (const auto& d : written.net().extraTensorDescribe)
    if (d && d->index == out) CHECK(!d->quantInfo);
  // So its output is exactly the float model's up to the input's quantization: far better
  // than the quantized branch was.
  CHECK(run.report["quality"]["outputs"]["outP"]["cosine_mean"].get<double>() > 0.99999);
}

TEST_CASE("quality target: reached by leaving the harmful op float", "[pipeline][quality]") {
  const std::string dir = tempDir("quality-target");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  const nlohmann::json config = {{"input_type", "npy"},
                                 {"path", calib},
                                 {"target_cosine", 0.9999},
                                 {"max_float_conv_macs", 0.5}};
  const PipelineRun run = runPipelineWith(model, config, 2);
  CHECK(run.status == 0);
  const auto& t = run.report["target"];
  REQUIRE(t.is_object());
  CHECK(t["quality_before"]["worst_cosine_mean"].get<double>() < 0.9999);
  CHECK(t["reached"] == true);
  REQUIRE(t["ops_left_float"].size() == 1);
  CHECK(t["ops_left_float"][0]["op"] == "convP");
  CHECK(t["int8_conv_mac_share"].get<double>() == Approx(2.0 / 3.0));
  // The written file is that model: convP float, and its figures are the report's.
  const Graph written = Graph::load(run.output);
  CHECK(!written.op(written.findOp("convP")).main.AsConvolution2D()->weight.empty());
  CHECK(written.op(written.findOp("convA")).main.AsConvolution2D()->weight.empty());
  CHECK(run.report["quality"]["worst_cosine_mean"].get<double>() >= 0.9999);
  // Same bytes with one thread.
  const PipelineRun one = runPipelineWith(model, config, 1);
  CHECK(fileBytes(one.output) == fileBytes(run.output));
}

TEST_CASE("quality target: unreachable within the float bound, best model written, exit 3",
          "[pipeline][quality]") {
  const std::string dir = tempDir("quality-target-missed");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  // Default bound 10 % of convolution MACs: each op is a third, so nothing may go float.
  const PipelineRun run =
      runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"target_cosine", 0.99999}});
  CHECK(run.status == 3);
  const auto& t = run.report["target"];
  CHECK(t["reached"] == false);
  CHECK(t["ops_left_float"].empty());
  CHECK(t["max_float_conv_macs"].get<double>() == Approx(0.1));
  CHECK(t["stop_reason"].get<std::string>().find("max_float_conv_macs") != std::string::npos);
  CHECK(boost::filesystem::exists(run.output));
  CHECK(t["int8_conv_mac_share"].get<double>() == 1.0);
}

TEST_CASE("quality: a run far below a usable quality says so in its notes", "[pipeline][quality]") {
  const std::string dir = tempDir("quality-low");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  // Features clamped to +-3 of 127 steps: every output loses most of its resolution.
  const PipelineRun run =
      runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"feature_clamp_value", 3}});
  CHECK(run.status == 0);
  const double worst = run.report["quality"]["worst_cosine_mean"].get<double>();
  REQUIRE(worst < 0.98);
  bool noted = false;
  for (const auto& note : run.report["summary"]["notes"]) {
    const std::string text = note.get<std::string>();
    if (text.find("LOW QUALITY") != std::string::npos &&
        text.find("'" + run.report["quality"]["worst_output"].get<std::string>() + "'") != std::string::npos)
      noted = true;
  }
  CHECK(noted);
}

TEST_CASE("quality: a float model whose output ignores the input is reported as broken",
          "[pipeline][quality]") {
  const std::string dir = tempDir("quality-constant");
  // x -> conv (all weights 0, bias 1..4) -> out: the same output for every sample.
  schema::NetT net;
  net.tensorName = {"x", "out"};
  net.sourceType = schema::NetSource_ONNX;
  net.oplists.push_back(inputX());
  auto conv = conv1x1("dead", 0, 1, std::vector<float>(kOut * kIn, 0.0f));
  conv->main.AsConvolution2D()->bias = {1, 2, 3, 4};
  net.oplists.push_back(std::move(conv));
  net.outputName = {"out"};
  net.tensorNumber = 2;
  const std::string model = dir + "/constant.mnn";
  saveNet(net, model);
  const std::string calib = writeSamples(dir, "calib", 0, 4);
  const PipelineRun run = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}});
  CHECK(run.status == 0);
  bool noted = false;
  for (const auto& note : run.report["summary"]["notes"])
    if (note.get<std::string>().find("output(s) 'out' are identical for all 4 evaluation samples") !=
        std::string::npos)
      noted = true;
  CHECK(noted);
  // The three-branch model's outputs depend on the input: no such note.
  const PipelineRun sane = runPipelineWith(writeModel(dir), {{"input_type", "npy"}, {"path", calib}});
  for (const auto& note : sane.report["summary"]["notes"])
    CHECK(note.get<std::string>().find("float model itself looks broken") == std::string::npos);
}

TEST_CASE("quality: samples whose float output is below half an int8 step are counted and noted",
          "[pipeline][quality]") {
  // Issue 12 item 6: a text detector's probability map on an image without text stays below
  // half the output's int8 step everywhere, so int8 writes zeros and the cosine is 0 for any
  // calibration. Here: two held-out samples as calibrated, two scaled by 1e-4 (their int8
  // input is already all zero).
  const std::string dir = tempDir("quality-below-step");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  const std::string held = writeLoudAndQuiet(dir);
  const PipelineRun run = runPipelineWith(model, {{"input_type", "npy"}, {"path", calib}, {"validation_path", held}});
  const auto& outA = run.report["quality"]["outputs"]["outA"];
  REQUIRE(run.report["quality"]["samples"] == 4);
  CHECK(outA["samples_below_int8_step"] == 2);
  // The two quiet samples have cosine 0: the mean over all is half the mean over the others,
  // which is the cosine of the two loud samples computed here.
  const auto loud = referenceCosines(model, run.output, {100, 101});
  CHECK(outA["cosine_mean_with_signal"].get<double>() == Approx(loud.at("outA")).margin(1e-12));
  CHECK(outA["cosine_mean"].get<double>() == Approx(loud.at("outA") / 2).margin(1e-12));
  CHECK(outA["cosine_min"].get<double>() == 0.0);
  bool noted = false;
  for (const auto& note : run.report["summary"]["notes"])
    if (note.get<std::string>().find("output 'outA': on 2 of 4 samples both the float and the int8 output stay below "
                                     "half an int8 step") !=
        std::string::npos)
      noted = true;
  CHECK(noted);
}

TEST_CASE("quality target: judged on the samples where the outputs are not empty at int8 resolution",
          "[pipeline][quality]") {
  // Half the held-out samples are empty at int8 resolution (inputs scaled by 1e-4): every
  // output's cosine there is 0 for any calibration, so the mean over all samples cannot pass
  // 0.5 and a target on it could never be reached. The target, like the method choice and the
  // sensitivity ranking, uses the mean over the other samples.
  const std::string dir = tempDir("quality-target-signal");
  const std::string model = writeModel(dir);
  const std::string calib = writeSamples(dir, "calib", 0, 6);
  const std::string held = writeLoudAndQuiet(dir);
  const nlohmann::json config = {{"input_type", "npy"},       {"path", calib},
                                 {"validation_path", held},   {"target_cosine", 0.999},
                                 {"max_float_conv_macs", 0.5}};
  const PipelineRun run = runPipelineWith(model, config, 2);
  CHECK(run.status == 0);
  const auto& t = run.report["target"];
  REQUIRE(t.is_object());
  CHECK(t["reached"] == true);
  REQUIRE(t["ops_left_float"].size() == 1);
  CHECK(t["ops_left_float"][0]["op"] == "convP");
  const auto& q = run.report["quality"];
  for (const char* name : {"outA", "outP", "outC"}) {
    INFO(name);
    CHECK(q["outputs"][name]["samples_below_int8_step"] == 2);
  }
  // The score is the worst output's mean cosine on the two loud samples, computed here with
  // the executor on the written file; the headline mean over all four is half of it.
  const auto loud = referenceCosines(model, run.output, {100, 101});
  double worst_loud = 1;
  for (const auto& [name, c] : loud) worst_loud = std::min(worst_loud, c);
  CHECK(q["score"].get<double>() == Approx(worst_loud).margin(1e-12));
  CHECK(q["score"].get<double>() >= 0.999);
  CHECK(q["worst_cosine_mean"].get<double>() == Approx(worst_loud / 2).margin(1e-12));
  CHECK(t["ops_left_float"][0]["worst_cosine_mean_after"].get<double>() == Approx(worst_loud).margin(1e-12));
}
