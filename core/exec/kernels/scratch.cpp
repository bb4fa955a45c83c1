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

}  // namespace mnnq::exec
