// Float forward throughput of the executor: images/s on one thread and with N threads running
// samples in parallel on one Executor (how calibration uses it).
//   forward_bench MODEL.mnn [INPUT.npy] [--iters N] [--threads N] [--profile]
// Without INPUT.npy the model's stored input shape is used with constant data.
// --profile: time per op on one thread (the interval between an op's inputs being ready and its
// first output reaching the hook), summed by op type and kernel shape, largest first; each
// figure is the fastest of the forwards, which filters out other processes on a shared machine.
// Throughput is likewise the best of 5 rounds of N forwards.
#include "mnnq/core/executor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace mnnq;
using Clock = std::chrono::steady_clock;

namespace {

std::string dims(const std::vector<int>& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "x" : "") + std::to_string(s[i]);
  return r;
}

// Label an op so that ops with the same kernel path group together.
std::string opKey(const Executor& ex, const Graph& g, int opIndex) {
  const auto& op = g.op(opIndex);
  std::string key = schema::EnumNameOpType(op.type);
  if (const auto* conv = op.main.AsConvolution2D(); conv && conv->common) {
    const auto& c = *conv->common;
    key += " k" + std::to_string(c.kernelY) + "x" + std::to_string(c.kernelX) + " s" +
           std::to_string(c.strideY) + (c.group > 1 ? " g" + std::to_string(c.group) : "");
  }
  if (!op.inputIndexes.empty() && op.inputIndexes[0] >= 0)
    key += " " + dims(ex.shape(op.inputIndexes[0]));
  if (!op.outputIndexes.empty()) key += " -> " + dims(ex.shape(op.outputIndexes[0]));
  return key;
}

class OpTimer : public TensorHook {
 public:
  OpTimer(const Executor& ex, const Graph& g) : ex_(ex), g_(g) {}
  void start() { last_ = Clock::now(); }
  void onTensor(int tensor, Tensor&) override {
    const auto now = Clock::now();
    const int op = g_.producer(tensor);
    if (op >= 0 && done_.insert(op).second) {
      auto& e = current_[opKey(ex_, g_, op)];
      e.first += std::chrono::duration<double>(now - last_).count();
      e.second += 1;
    }
    last_ = Clock::now();
  }
  void endForward() {
    done_.clear();
    for (const auto& [k, v] : current_) {
      auto it = best_.find(k);
      if (it == best_.end() || v.first < it->second.first) best_[k] = v;
    }
    current_.clear();
  }
  void print() const {
    std::vector<std::pair<double, std::string>> rows;
    double total = 0;
    for (const auto& [k, v] : best_) {
      rows.emplace_back(v.first, k + "  (x" + std::to_string(v.second) + ")");
      total += v.first;
    }
    std::sort(rows.rbegin(), rows.rend());
    std::printf("per op, fastest ms/forward (total %.2f):\n", 1e3 * total);
    for (const auto& [t, k] : rows)
      if (1e3 * t >= 0.01) std::printf("%8.3f  %s\n", 1e3 * t, k.c_str());
  }

 private:
  const Executor& ex_;
  const Graph& g_;
  Clock::time_point last_;
  std::set<int> done_;
  std::map<std::string, std::pair<double, int>> current_, best_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.mnn [INPUT.npy] [--iters N] [--threads N] [--profile]\n", argv[0]);
    return 2;
  }
  std::string model = argv[1], inputPath;
  int iters = 20, threads = 2;
  bool profile = false;
  for (int k = 2; k < argc; ++k) {
    if (!std::strcmp(argv[k], "--iters") && k + 1 < argc) iters = std::stoi(argv[++k]);
    else if (!std::strcmp(argv[k], "--threads") && k + 1 < argc) threads = std::stoi(argv[++k]);
    else if (!std::strcmp(argv[k], "--profile")) profile = true;
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

    if (profile) {
      OpTimer timer(ex, graph);
      for (int i = 0; i < iters; ++i) {
        timer.start();
        ex.run(feed, &timer);
        timer.endForward();
      }
      timer.print();
      return 0;
    }

    constexpr int kRounds = 5;
    double one = 0, many = 0;
    for (int round = 0; round < kRounds; ++round) {
      auto t0 = Clock::now();
      for (int i = 0; i < iters; ++i) ex.run(feed);
      one = std::max(one, iters / std::chrono::duration<double>(Clock::now() - t0).count());
    }
    for (int round = 0; round < kRounds && threads > 1; ++round) {
      std::atomic<int> next{0};
      const int total = iters * threads;
      auto t0 = Clock::now();
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
          while (next.fetch_add(1) < total) ex.run(feed);
        });
      for (auto& th : pool) th.join();
      many = std::max(many, total / std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::printf("%s: %.1f images/s (1 thread, %.2f ms/image)", model.c_str(), one, 1000.0 / one);
    if (threads > 1) std::printf(", %.1f images/s (%d threads)", many, threads);
    std::printf("\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
