// The thread promises of the SDK, end to end through the pipeline on a real model:
//  * determinism: each shard sees its samples in sample order whatever the thread count. The
//    TESTSUM calibrator folds values per shard in ARRIVAL order (acc = acc * 0.75 + x), so a
//    shard fed in arrival order would change its bytes; the written model must be identical
//    for 1, 2 and 8 threads.
//  * one thread budget: TESTTHREADS counts the process's threads (/proc/self/task) while the
//    pipeline calls it and while the host's parallel loop runs its bodies; with --threads N
//    both counts are exactly N - 1 above what the process had before the run, so --threads 1
//    runs on the calling thread only and starts no thread.
#include "fake_plugins.hpp"
#include "fixtures.hpp"
#include "pipeline_runner.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace mnnq::test;

namespace {

std::string fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// mnist with the image source on `samples` fixture images and calibrator `method`.
nlohmann::json mnistConfig(const std::string& method, int samples) {
  return {{"format", "GRAY"},         {"mean", {127.5}},  {"normal", {0.0078431}},
          {"width", 28},              {"height", 28},     {"path", fixture("images/calib")},
          {"used_image_num", samples}, {"shards", 4},     {"feature_quantize_method", method},
          {"weight_quantize_method", "MAX_ABS"}};
}

int threadsNow() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

// A folder holding only the test plugin `stem` (the fake folder has same-named variants).
std::vector<std::string> pluginDir(const std::string& stem) {
  const std::string dir = tempDir("threads_plugins");
  placePlugin(stem, dir);
  return {dir};
}

}  // namespace

TEST_CASE("each shard sees its samples in sample order: identical bytes for 1, 2 and 8 threads") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string model = fixture("models/mnist_lenet/mnist.mnn");
  const nlohmann::json config = mnistConfig("TESTSUM", 48);
  const std::vector<std::string> dirs = pluginDir("libmnnq_test_arrival_sum");
  const std::string one = fileBytes(runPipelineWith(model, config, 1, dirs).output);
  const std::string two = fileBytes(runPipelineWith(model, config, 2, dirs).output);
  const std::string eight = fileBytes(runPipelineWith(model, config, 8, dirs).output);
  REQUIRE(!one.empty());
  CHECK(one == two);
  CHECK(one == eight);
  // The folds do depend on order: another shard count (another order per shard) changes bytes,
  // so the equality above is not a property of the data.
  nlohmann::json other = config;
  other["shards"] = 3;
  CHECK(fileBytes(runPipelineWith(model, other, 1, dirs).output) != one);
}

TEST_CASE("a thread budget of N means N threads for the pipeline and the plugins' parallel loop") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string model = fixture("models/mnist_lenet/mnist.mnn");
  // Threads the process has before any run: the test's own and OpenBLAS's idle pool, which the
  // library starts when it is loaded and mnnq pins to one thread (exec/kernels/gemm.cpp) so it
  // never computes. Everything mnnq starts comes on top of these.
  const int before = threadsNow();
  for (unsigned threads : {1u, 3u}) {
    INFO("threads " << threads);
    const std::string report = tempDir("threads") + "/report.txt";
    nlohmann::json config = mnistConfig("TESTTHREADS", 24);
    config["tt_report"] = report;
    runPipelineWith(model, config, threads, pluginDir("libmnnq_test_thread_count"));
    std::ifstream in(report);
    int during_observe = 0, during_parallel_for = 0;
    unsigned budget = 0;
    REQUIRE(in >> during_observe >> during_parallel_for >> budget);
    std::string names;
    std::getline(in, names);
    INFO("threads after the loop:" << names);
    CHECK(budget == threads);
    CHECK(during_observe == before + int(threads) - 1);
    CHECK(during_parallel_for == before + int(threads) - 1);
  }
}
