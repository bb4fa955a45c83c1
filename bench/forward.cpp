// Float forward throughput of the executor: images/s on one thread and with N threads running
// samples in parallel on one Executor (how calibration uses it).
//   forward_bench MODEL.mnn [INPUT.npy] [--iters N] [--threads N]
// Without INPUT.npy the model's stored input shape is used with constant data.
#include "mnnq/core/executor.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace mnnq;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.mnn [INPUT.npy] [--iters N] [--threads N]\n", argv[0]);
    return 2;
  }
  std::string model = argv[1], inputPath;
  int iters = 20, threads = 2;
  for (int k = 2; k < argc; ++k) {
    if (!std::strcmp(argv[k], "--iters") && k + 1 < argc) iters = std::stoi(argv[++k]);
    else if (!std::strcmp(argv[k], "--threads") && k + 1 < argc) threads = std::stoi(argv[++k]);
    else inputPath = argv[k];
  }
  try {
    const Graph graph = Graph::load(model);
    const int in = graph.inputs().at(0);
    ExecutorOptions opt;
    Tensor input;
    if (!inputPath.empty()) {
      input = readNpy(inputPath);
      opt.input_shapes[graph.tensorName(in)] = input.shape;
    }
    const Executor ex(graph, opt);
    if (inputPath.empty()) {
      input.shape = ex.shape(in);
      input.f.assign(static_cast<size_t>(input.elementCount()), 0.5f);
    }
    const std::map<int, Tensor> feed{{in, input}};
    for (int w = 0; w < 3; ++w) ex.run(feed);

    auto t0 = Clock::now();
    for (int i = 0; i < iters; ++i) ex.run(feed);
    const double one = iters / std::chrono::duration<double>(Clock::now() - t0).count();

    std::atomic<int> next{0};
    const int total = iters * threads;
    t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        while (next.fetch_add(1) < total) ex.run(feed);
      });
    for (auto& th : pool) th.join();
    const double many = total / std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%s: %.1f images/s (1 thread, %.2f ms/image), %.1f images/s (%d threads)\n",
                model.c_str(), one, 1000.0 / one, many, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
