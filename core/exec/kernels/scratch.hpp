// Working memory of the kernels.
//
// Activations are allocated and freed on every forward. glibc would hand large freed blocks back
// to the system (munmap, or trimming the heap top), so the next forward pays page faults and
// kernel page clearing on every big tensor again: a third of rfb320's forward time before this.
// retainFreedMemory() makes the allocator keep them; scratch buffers (im2col panels, padded
// planes, Winograd tiles) are per thread and reused across calls.
#pragma once

#include <cstddef>
#include <vector>

namespace mnnq::exec {

// Process-wide allocator setting; call before running forwards (idempotent, thread-safe).
void retainFreedMemory();

// Per-thread scratch memory: slot k (0..3) of the calling thread, at least `count` floats,
// 64-byte aligned. Valid until the same thread asks for the same slot again.
float* scratch(int slot, std::size_t count);

// Activation buffers released by earlier ops of the calling thread, for an op that stores every
// element of its output (OpKernel::writesAllOutputs): it gets a buffer of `count` floats whose
// contents are left over from an earlier tensor, skipping the zero fill (5-10% of a forward on
// the blazeface models). A fresh, zeroed buffer when none fits.
std::vector<float> takeRecycled(std::size_t count);
// Gives a released activation buffer back for reuse (at most 4 are kept per thread).
void recycle(std::vector<float>&& buffer);

}  // namespace mnnq::exec
