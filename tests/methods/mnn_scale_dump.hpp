// MNN's per-op scale dump (`<dst>.json`, mnn-quantizer-facts.md B.8) read per tensor, and a
// comparison of two such dumps (mnnq writes the same format next to its output), for the
// end-to-end fidelity tests of the feature methods.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mnnq::test {

struct DumpedScale {
  double scale = 0;
  double zero = 0;
};

// tensorIndex -> parameters. A tensor listed by several ops keeps its first non-zero scale
// (MNN writes 0 where an op never saw the tensor, e.g. for the Input op's output).
std::map<int, DumpedScale> readScaleDump(const std::string& path);

struct ScaleDifference {
  int tensor = 0;
  double ours = 0, mnn = 0;
  double relative = 0;  // |ours / mnn - 1|
};

// Tensors with a positive scale in both dumps, largest relative difference first.
std::vector<ScaleDifference> compareScaleDumps(const std::map<int, DumpedScale>& ours,
                                               const std::map<int, DumpedScale>& mnn);

// KL threshold bin a symmetric scale stands for, given the tensor's max |x| M and clamp Cf:
// scale = (t + 0.5) M / (2048 Cf)  =>  t = scale * 2048 Cf / M - 0.5 (not rounded).
double klThresholdBinOf(double scale, double abs_max, double clamp = 127);

}  // namespace mnnq::test
