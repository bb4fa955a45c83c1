// Cross-layer equalisation of depthwise inputs (after Nagel et al., "Data-Free Quantization
// Through Weight Equalization and Bias Correction", 2019, section 4.1, with measured activation
// ranges instead of weight ranges).
//
// int8 features have one scale per tensor, so a tensor whose channels span very different
// ranges wastes most of the grid on its small channels. In the chain
//     conv A -> [ReLU | leaky ReLU | PReLU] -> depthwise conv B
// every op is positively homogeneous per channel: multiplying A's output channel c (weights and
// bias) by s_c > 0 and dividing B's weights of channel c by s_c leaves B's output, and so the
// whole float model, unchanged. Both convolutions keep per-channel int8 weights, whose relative
// error does not depend on s_c; only the feature tensor between them changes, and it can be
// made to use the int8 grid in every channel. On UltraFace RFB-320 (10 such pairs; the first
// conv's channels span 1..6.2 against each other) the int8 boxes output goes from cosine
// 0.981 to 0.992 (ADMM), 0.978 to 0.991 (KL) in the real MNN runtime.
//
// ReLU6 is not homogeneous (the clip at 6 would have to move per channel), so chains through
// ReLU6 are left alone, as are tensors read by anything besides B or exported by the model.
#pragma once

#include "channel_stats.hpp"

#include "mnnq/core/graph.hpp"

#include <string>
#include <vector>

namespace mnnq {

struct EqualizationPair {
  int producer = -1;    // op index of conv A
  int activation = -1;  // op index of the ReLU/PReLU between them, -1 if fused or none
  int depthwise = -1;   // op index of depthwise conv B
  int tensor = -1;      // B's input: the tensor whose channel ranges are equalised
  int channels = 0;
};

// Every chain of the form above whose convolutions carry plain float weights in the file.
std::vector<EqualizationPair> findEqualizationPairs(const Graph& graph);

// Largest factor applied to one channel: a channel that was (nearly) silent in the measured
// samples is raised at most this much, so one it wrongly looks silent in cannot take over the
// tensor's range.
constexpr float kMaxEqualizationFactor = 16.0f;

// s_c = min(max_c' r_c' / r_c, kMaxEqualizationFactor) for the measured ranges r (max |x| per
// channel); 1 for a channel that never left 0.
std::vector<float> equalizationFactors(const std::vector<float>& channel_max_abs);

// Multiplies A's channel c and divides B's channel c by factors[c] in graph.net().
void applyEqualization(Graph& graph, const EqualizationPair& pair,
                       const std::vector<float>& factors);

}  // namespace mnnq
