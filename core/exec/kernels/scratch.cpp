#include "scratch.hpp"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mnnq::exec {

void retainFreedMemory() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    // Blocks up to 32 MiB (glibc's maximum) come from the heap instead of fresh mappings, and a
    // free heap top is only trimmed beyond 1 GiB: the memory of one forward serves the next.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
  });
}

namespace {

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};

struct Slot {
  std::unique_ptr<float, AlignedFree> data;
  std::size_t capacity = 0;
};

}  // namespace

float* scratch(int slot, std::size_t count) {
  constexpr int kSlots = 4;
  if (slot < 0 || slot >= kSlots) throw std::logic_error("scratch slot out of range");
  thread_local Slot slots[kSlots];
  Slot& s = slots[slot];
  if (s.capacity < count) {
    const std::size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    s.data.reset(static_cast<float*>(p));
    s.capacity = bytes / sizeof(float);
  }
  return s.data.get();
}

namespace {

// A few buffers suffice (an op's output usually reuses what its predecessor just released). More
// only hide memory from malloc: with 64, rfb320 grew to 84 MB and page-faulted every forward.
constexpr std::size_t kMaxRecycled = 4;
thread_local std::vector<std::vector<float>> recycled;

}  // namespace

std::vector<float> takeRecycled(std::size_t count) {
  // Smallest buffer that holds `count` floats, unless it would be more than 4x too big. By
  // capacity, not size: a buffer shrunk for a small tensor keeps its memory, and matching on its
  // size made it unusable for larger ones, which then got fresh, zero-filled buffers (3-4 % of
  // rfb320's forward in memset).
  std::size_t best = recycled.size();
  for (std::size_t k = 0; k < recycled.size(); ++k) {
    const std::size_t n = recycled[k].capacity();
    if (n >= count && n <= 4 * count + 64 &&
        (best == recycled.size() || n < recycled[best].capacity()))
      best = k;
  }
  if (best == recycled.size()) return std::vector<float>(count);
  std::vector<float> v = std::move(recycled[best]);
  recycled[best] = std::move(recycled.back());
  recycled.pop_back();
  // Shrinking writes nothing; growing within the capacity zero-fills only the added elements.
  v.resize(count);
  return v;
}

void recycle(std::vector<float>&& buffer) {
  if (buffer.empty()) return;
  if (recycled.size() < kMaxRecycled) {
    recycled.push_back(std::move(buffer));
    return;
  }
  // Full: keep the larger buffers, which are the expensive ones to fill.
  if (recycled.empty()) return;
  auto smallest = recycled.begin();
  for (auto it = recycled.begin(); it != recycled.end(); ++it)
    if (it->capacity() < smallest->capacity()) smallest = it;
  if (smallest->capacity() < buffer.capacity()) *smallest = std::move(buffer);
  buffer = std::vector<float>();
}

}  // namespace mnnq::exec
