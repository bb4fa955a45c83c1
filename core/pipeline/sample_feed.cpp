#include "sample_feed.hpp"

#include <cmath>

namespace mnnq {

SampleFeed::SampleFeed(const Graph& graph, InputSourceHandle& source,
                       const std::vector<Layout>& declared_layouts, size_t cache_bytes)
    : source_(source), count_(source.count()), input_ids_(graph.inputs()), cache_budget_(cache_bytes) {
  for (uint32_t k = 0; k < input_ids_.size(); ++k) {
    const mnnq_input_desc desc = source_.inputShape(k);
    Tensor t;
    t.shape.assign(desc.dims, desc.dims + desc.ndim);
    t.layout = k < declared_layouts.size() ? declared_layouts[k] : Layout::NCHW;
    t.dtype = DType::Float32;
    shapes_by_name_[graph.tensorName(input_ids_[k])] = t.shape;
    templates_.push_back(std::move(t));
  }
}

bool SampleFeed::load(uint64_t i, std::map<int, Tensor>& inputs) {
  if (cancelled_ && cancelled_()) throw RunCancelled();
  std::vector<float*> buffers;
  // The caller's map is reused between samples (its buffers keep their memory); anything but
  // this feed's inputs is dropped.
  bool ours = inputs.size() == input_ids_.size();
  for (int id : input_ids_) ours = ours && inputs.count(id);
  if (!ours) inputs.clear();
  for (size_t k = 0; k < input_ids_.size(); ++k) {
    Tensor& t = inputs[input_ids_[k]];
    t.i.clear();
    t.shape = templates_[k].shape;
    t.layout = templates_[k].layout;
    t.dtype = DType::Float32;
  }
  const std::vector<PackedFloats>* kept = nullptr;
  bool may_keep = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto hit = cache_.find(i);
    if (hit != cache_.end()) kept = &hit->second;
    may_keep = !kept && cache_used_ < cache_budget_;
  }
  if (kept) {
    // Unpacked straight into the (reused) buffers, without zeroing them first.
    for (size_t k = 0; k < input_ids_.size(); ++k) {
      std::vector<float>& f = inputs[input_ids_[k]].f;
      f.resize((*kept)[k].count());
      (*kept)[k].unpack(f.data());
    }
    return true;
  }
  for (size_t k = 0; k < input_ids_.size(); ++k) {
    Tensor& t = inputs[input_ids_[k]];
    t.f.assign(static_cast<size_t>(t.elementCount()), 0.0f);
  }
  for (size_t k = 0; k < input_ids_.size(); ++k) buffers.push_back(inputs[input_ids_[k]].f.data());
  std::string reason;
  bool loaded = source_.load(i, buffers.data(), &reason);
  // NaN or infinity in a sample would poison every range and histogram it reaches: such a
  // sample is skipped with the reason, like an unreadable one.
  for (size_t k = 0; loaded && k < input_ids_.size(); ++k) {
    const std::vector<float>& f = inputs[input_ids_[k]].f;
    for (size_t e = 0; e < f.size(); ++e) {
      if (!std::isfinite(f[e])) {
        reason = "input #" + std::to_string(k) + " element " + std::to_string(e) + " is " +
                 (std::isnan(f[e]) ? "NaN" : "infinite") + " (non-finite values cannot be calibrated)";
        loaded = false;
        break;
      }
    }
  }
  if (loaded) {
    if (!may_keep) return true;
    std::vector<PackedFloats> entry;
    size_t bytes = 0;
    for (size_t k = 0; k < input_ids_.size(); ++k) {
      const std::vector<float>& f = inputs[input_ids_[k]].f;
      entry.emplace_back(f.data(), f.size());
      bytes += entry.back().bytes();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (cache_used_ + bytes <= cache_budget_ && !cache_.count(i)) {
      cache_[i] = std::move(entry);
      cache_used_ += bytes;
    }
    return true;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  skipped_[i] = SkippedSample{source_.sampleName(i), reason};
  return false;
}

std::vector<SkippedSample> SampleFeed::skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<SkippedSample> out;
  for (const auto& [i, s] : skipped_) out.push_back(s);
  return out;
}

}  // namespace mnnq
