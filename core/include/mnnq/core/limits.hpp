// Limits mnnq enforces on data it reads (models, configurations, samples) so that a hostile or
// corrupt file fails with a message instead of exhausting memory or the stack. README.md
// ("Limits") lists them; keep the two in step.
#pragma once

#include <cstdint>

namespace mnnq::limits {

// Model graphs (Graph::load and the executor's shape inference).
constexpr int kMaxRank = 8;                            // dims of any tensor
constexpr int64_t kMaxTensorElements = int64_t(1) << 28;  // 256 Mi elements = 1 GiB of float32
constexpr int kMaxDim = 1 << 24;                       // any single dimension
constexpr int kMaxWindow = 1024;                       // kernel size, stride, dilation
constexpr int kMaxPad = 1024;                          // convolution / pooling padding per side
constexpr float kMaxResizeScale = 1024.f;              // Interp / Resize scale factors

// Configuration files.
constexpr int kMaxConfigDepth = 64;            // nesting of lists / maps (JSON and YAML)
constexpr int64_t kMaxConfigNodes = 1000000;   // YAML nodes after alias expansion

}  // namespace mnnq::limits
