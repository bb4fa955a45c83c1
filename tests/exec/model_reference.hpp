// Shared by the model tests: run a fixture model on MNN's reference inputs and compare with
// MNN's own outputs (and per-op intermediate dumps).
#pragma once

#include "mnnq/core/tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::test {

struct Agreement {
  double cosine = 0;
  double maxAbsError = 0;
  double maxAbsRef = 0;
  bool sameShape = false;
  int64_t nonFiniteMismatches = 0;
};

Agreement compareTensors(const Tensor& ours, const Tensor& reference);
// cosine >= minCos and max abs error <= relTol * max|ref| (and same element count).
bool agrees(const Agreement& a, double minCos, double relTol);
// File-name form of a tensor/op name as the fixtures use it ([A-Za-z0-9._-], others -> '_').
std::string sanitizeName(const std::string& name);

}  // namespace mnnq::test
