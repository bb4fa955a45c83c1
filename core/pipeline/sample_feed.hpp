// Calibration samples from an input source plugin, as executor inputs. Loading is the slow part
// (image decoding), so it runs on the worker threads; samples a plugin rejects are recorded
// once with the reason and never offered again. Loaded samples are kept, up to a memory
// budget, for the next pass (KL and ADMM read every sample twice); beyond the budget they are
// decoded again, so memory stays bounded whatever the folder size. They are kept packed
// (packed_floats.hpp, lossless): images take about a quarter of their float size.
#pragma once

#include "mnnq/core/graph.hpp"
#include "mnnq/core/pipeline.hpp"  // RunCancelled
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/tensor.hpp"
#include "packed_floats.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mnnq {

struct SkippedSample {
  std::string name;
  std::string reason;
};

class SampleFeed {
 public:
  // declared_layouts: per graph input, the layout stored in the model (what the executor is
  // told); the data itself is ordered as the source produced it.
  SampleFeed(const Graph& graph, InputSourceHandle& source,
             const std::vector<Layout>& declared_layouts, size_t cache_bytes = 0);

  uint64_t count() const { return count_; }
  std::string sampleName(uint64_t i) const { return source_.sampleName(i); }
  // Graph input id -> shape (batch 1) the source produces.
  const std::map<std::string, std::vector<int>>& inputShapes() const { return shapes_by_name_; }

  // Loads sample i into `inputs` (graph input id -> tensor, batch 1). Returns false when the
  // plugin skipped it (the reason is recorded). Thread-safe. Throws RunCancelled when the
  // cancellation check says so: every pass over the samples comes through here.
  bool load(uint64_t i, std::map<int, Tensor>& inputs);

  // Optional; polled before each sample is loaded, from any worker thread.
  void setCancellationCheck(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

  std::vector<SkippedSample> skipped() const;

 private:
  InputSourceHandle& source_;
  uint64_t count_ = 0;
  std::vector<int> input_ids_;
  std::vector<Tensor> templates_;  // shape + layout per graph input
  std::map<std::string, std::vector<int>> shapes_by_name_;
  std::function<bool()> cancelled_;
  mutable std::mutex mutex_;
  std::map<uint64_t, SkippedSample> skipped_;
  size_t cache_budget_ = 0;
  size_t cache_used_ = 0;
  // sample -> data per input. Entries are never changed or removed once inserted, so a reader
  // may unpack one outside the lock (std::map nodes do not move).
  std::map<uint64_t, std::vector<PackedFloats>> cache_;
};

}  // namespace mnnq
