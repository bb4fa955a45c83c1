#include "calibrate.hpp"

#include "progress.hpp"

#include "mnnq/core/op_traits.hpp"
#include "mnnq/core/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <map>

namespace mnnq {
namespace {

// One line for an error message: each distinct reason once, most frequent first, with how
// many samples had it and the first of them (a folder of 5000 wrong-sized images gives one
// entry, not 5000).
std::string skippedReasons(const std::vector<SkippedSample>& skipped) {
  if (skipped.empty()) return "the input source gave no sample";
  struct Group {
    size_t count = 0;
    std::string first;
    size_t order = 0;
  };
  std::map<std::string, Group> groups;
  for (const SkippedSample& s : skipped) {
    Group& g = groups[s.reason];
    if (g.count++ == 0) {
      g.first = s.name;
      g.order = groups.size();
    }
  }
  std::vector<std::pair<std::string, Group>> sorted(groups.begin(), groups.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.count != b.second.count ? a.second.count > b.second.count : a.second.order < b.second.order;
  });
  const size_t shown = std::min<size_t>(sorted.size(), 4);
  std::string text;
  for (size_t k = 0; k < shown; ++k) {
    const Group& g = sorted[k].second;
    if (k) text += "; ";
    text += sorted[k].first.empty() ? std::string("(no reason given)") : sorted[k].first;
    text += g.count == 1 ? " (" + g.first + ")"
                         : " (" + std::to_string(g.count) + " samples, e.g. " + g.first + ")";
  }
  if (sorted.size() > shown) text += "; and " + std::to_string(sorted.size() - shown) + " other reasons";
  return text;
}

// Feeds one forward's calibrated tensors to the calibrator.
class PassHook : public TensorHook {
 public:
  PassHook(const CalibrationTensors& tensors, CalibratorHandle& calibrator, uint32_t pass,
           const mnnq_pass_desc& desc)
      : tensors_(tensors), calibrator_(calibrator), pass_(pass), desc_(desc) {}

  void setBatch(uint32_t shard, uint64_t first_sample, uint32_t batch) {
    shard_ = shard;
    first_sample_ = first_sample;
    batch_ = batch;
  }

  void onTensor(int tensor, Tensor& value) override {
    const int index = tensors_.indexOf(tensor);
    if (index < 0 || value.dtype != DType::Float32) return;
    const uint64_t count = value.f.size();
    if (desc_.flags & MNNQ_PASS_TRANSFORM)
      calibrator_.transform(pass_, shard_, first_sample_, batch_, static_cast<uint32_t>(index),
                            value.f.data(), count);
    if (desc_.flags & MNNQ_PASS_OBSERVE)
      calibrator_.observe(pass_, shard_, first_sample_, batch_, static_cast<uint32_t>(index),
                          value.f.data(), count);
  }

 private:
  const CalibrationTensors& tensors_;
  CalibratorHandle& calibrator_;
  uint32_t pass_;
  mnnq_pass_desc desc_;
  uint32_t shard_ = 0;
  uint64_t first_sample_ = 0;
  uint32_t batch_ = 1;
};

std::map<int, Tensor> concatBatch(const std::vector<std::map<int, Tensor>>& samples) {
  std::map<int, Tensor> batch;
  for (const auto& [id, first] : samples.front()) {
    Tensor t = first;
    t.shape[0] = static_cast<int>(samples.size());
    t.f.clear();
    t.f.reserve(first.f.size() * samples.size());
    for (const auto& s : samples) t.f.insert(t.f.end(), s.at(id).f.begin(), s.at(id).f.end());
    batch[id] = std::move(t);
  }
  return batch;
}

}  // namespace

Graph fakeQuantizeWeights(const Graph& graph, int bits) {
  Graph copy = graph.clone();
  const float limit = static_cast<float>((1 << (bits - 1)) - 1);
  for (auto& op : copy.net().oplists) {
    if (!hasOpTrait(op->type, kOpForwardConv)) continue;
    auto* conv = op->main.AsConvolution2D();
    if (!conv || !conv->common || conv->weight.empty() || conv->common->outputCount <= 0) continue;
    const size_t oc = static_cast<size_t>(conv->common->outputCount);
    const size_t per = conv->weight.size() / oc;
    for (size_t c = 0; c < oc; ++c) {
      float* w = conv->weight.data() + c * per;
      float m = 0.0f;
      for (size_t k = 0; k < per; ++k) m = std::max(m, std::fabs(w[k]));
      if (m < 1e-6f) continue;
      const float s = m / limit;
      for (size_t k = 0; k < per; ++k)
        w[k] = s * std::min(limit, std::max(-limit, std::round(w[k] / s)));
    }
  }
  copy.reindex();
  return copy;
}

CalibrationOutcome calibrate(const Graph& graph, const Executor& executor,
                             const CalibrationTensors& tensors, CalibratorHandle& calibrator,
                             SampleFeed& feed, const CalibrationOptions& options) {
  CalibrationOutcome outcome;
  const unsigned shards = std::max(1u, options.shards);
  const unsigned threads = std::max(1u, options.threads);
  const uint32_t passes = calibrator.prepare(tensors.descriptors(), shards);

  // Samples offered in each pass: all of them first; afterwards only those that loaded.
  std::vector<uint64_t> samples(feed.count());
  for (uint64_t i = 0; i < samples.size(); ++i) samples[i] = i;
  std::vector<char> usable(samples.size(), 1);

  for (uint32_t pass = 0; pass < passes; ++pass) {
    const mnnq_pass_desc desc = calibrator.beginPass(pass);
    uint32_t batch = std::max(1u, desc.batch_size);
    if (batch > samples.size()) {
      outcome.notes.push_back("pass " + std::to_string(pass + 1) + ": batch size " +
                              std::to_string(batch) + " is larger than the " +
                              std::to_string(samples.size()) + " samples; using " +
                              std::to_string(samples.size()));
      batch = static_cast<uint32_t>(std::max<size_t>(1, samples.size()));
    }
    const bool sequential = (desc.flags & MNNQ_PASS_SEQUENTIAL) || batch > 1;

    // The executor for this pass: the float one unless the pass wants fake-quantized weights
    // or another batch size.
    std::unique_ptr<Graph> pass_graph;
    std::unique_ptr<Executor> pass_executor;
    const Executor* exec = &executor;
    if (desc.weight_bits > 0 || batch > 1) {
      const Graph* g = &graph;
      if (desc.weight_bits > 0) {
        if (desc.weight_bits < 2 || desc.weight_bits > 8)
          throw std::runtime_error(calibrator.plugin().label() + " asked for " +
                                   std::to_string(desc.weight_bits) + "-bit weights (2..8)");
        pass_graph = std::make_unique<Graph>(fakeQuantizeWeights(graph, desc.weight_bits));
        g = pass_graph.get();
      }
      ExecutorOptions exec_options;
      for (const auto& [name, shape] : feed.inputShapes()) {
        std::vector<int> s = shape;
        if (!s.empty()) s[0] = static_cast<int>(batch);
        exec_options.input_shapes[name] = s;
      }
      pass_executor = std::make_unique<Executor>(*g, exec_options);
      exec = pass_executor.get();
    }

    Progress progress("calibrate pass " + std::to_string(pass + 1) + "/" + std::to_string(passes),
                      samples.size(), options.quiet, options.progress);
    std::vector<std::mutex> shard_locks(shards);
    uint64_t forwarded = 0;

    if (!sequential) {
      // Samples are loaded in parallel in any order, but each shard forwards (and so observes)
      // its samples in increasing index order, whatever the thread count: a worker that loaded
      // samples[k] waits for its shard's turn (turn[shard] == k). Samples are handed out in
      // increasing k, so the shard's earliest pending sample is always held by a worker that
      // is not waiting, and the wait ends.
      std::vector<size_t> next_of_shard(samples.size(), samples.size());
      std::vector<size_t> turn(shards, samples.size());
      for (size_t k = samples.size(); k-- > 0;) {
        const uint32_t shard = static_cast<uint32_t>(samples[k] % shards);
        next_of_shard[k] = turn[shard];
        turn[shard] = k;
      }
      std::mutex turn_mutex;
      std::condition_variable turn_changed;
      bool failed = false;
      std::atomic<uint64_t> done{0};
      const unsigned workers = std::min<unsigned>(threads, static_cast<unsigned>(samples.size()));
      std::vector<std::unique_ptr<PassHook>> hooks(workers);
      std::vector<std::map<int, Tensor>> worker_inputs(workers);
      // A failing worker wakes the others, which then stop (the first error is rethrown).
      auto fail = [&] {
        {
          std::lock_guard<std::mutex> lock(turn_mutex);
          failed = true;
        }
        turn_changed.notify_all();
      };
      parallelFor(workers, samples.size(), [&](uint64_t k, unsigned worker) {
        try {
          if (!hooks[worker])
            hooks[worker] = std::make_unique<PassHook>(tensors, calibrator, pass, desc);
          const uint64_t i = samples[k];
          const uint32_t shard = static_cast<uint32_t>(i % shards);
          std::map<int, Tensor>& inputs = worker_inputs[worker];
          const bool ok = feed.load(i, inputs);
          {
            std::unique_lock<std::mutex> lock(turn_mutex);
            turn_changed.wait(lock, [&] { return failed || turn[shard] == k; });
            if (failed) return;
          }
          if (ok) {
            hooks[worker]->setBatch(shard, i, 1);
            exec->run(inputs, hooks[worker].get());
            ++done;
          } else {
            usable[i] = 0;
          }
          progress.advance();
          {
            std::lock_guard<std::mutex> lock(turn_mutex);
            turn[shard] = next_of_shard[k];
          }
          turn_changed.notify_all();
        } catch (...) {
          fail();
          throw;
        }
      });
      forwarded = done.load();
    } else {
      // Decode a window of samples in parallel, then forward them in order on this thread.
      PassHook hook(tensors, calibrator, pass, desc);
      const size_t window = std::max<size_t>(batch, 4 * threads);
      std::vector<std::map<int, Tensor>> pending;
      std::vector<uint64_t> pending_ids;
      for (size_t start = 0; start < samples.size(); start += window) {
        const size_t end = std::min(samples.size(), start + window);
        std::vector<std::map<int, Tensor>> loaded(end - start);
        std::vector<char> ok(end - start, 0);
        parallelFor(threads, end - start, [&](uint64_t k, unsigned) {
          ok[k] = feed.load(samples[start + k], loaded[k]) ? 1 : 0;
        });
        for (size_t k = start; k < end; ++k) {
          progress.advance();
          if (!ok[k - start]) {
            usable[samples[k]] = 0;
            continue;
          }
          pending.push_back(std::move(loaded[k - start]));
          pending_ids.push_back(samples[k]);
          if (pending.size() == batch) {
            const uint64_t first = pending_ids.front();
            hook.setBatch(static_cast<uint32_t>(first % shards), first, batch);
            exec->run(batch == 1 ? pending.front() : concatBatch(pending), &hook);
            forwarded += batch;
            pending.clear();
            pending_ids.clear();
          }
        }
      }
      if (!pending.empty())
        outcome.notes.push_back("pass " + std::to_string(pass + 1) + ": the last " +
                                std::to_string(pending.size()) +
                                " samples do not fill a batch of " + std::to_string(batch) +
                                " and were not used");
    }
    progress.finish();
    calibrator.endPass(pass);
    outcome.passes.push_back({"calibrate pass " + std::to_string(pass + 1), progress.elapsedSeconds(),
                              forwarded});

    if (pass == 0) {
      std::vector<uint64_t> kept;
      for (uint64_t i : samples)
        if (usable[i]) kept.push_back(i);
      samples.swap(kept);
      outcome.samples_used = forwarded;
      if (samples.empty())
        throw std::runtime_error("no usable calibration sample: all " + std::to_string(feed.count()) +
                                 " were skipped: " + skippedReasons(feed.skipped()));
    }
  }
  outcome.usable_samples = samples;
  outcome.skipped = feed.skipped();
  outcome.params = calibrator.compute();
  return outcome;
}

}  // namespace mnnq
