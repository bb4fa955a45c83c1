#include "model_reference.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq::test {

Agreement compareTensors(const Tensor& ours, const Tensor& reference) {
  Agreement a;
  a.sameShape = ours.elementCount() == reference.elementCount();
  if (!a.sameShape) return a;
  auto value = [](const Tensor& t, size_t k) {
    return t.dtype == DType::Float32 ? double(t.f[k]) : double(t.i[k]);
  };
  const size_t n = static_cast<size_t>(reference.elementCount());
  double dot = 0, na = 0, nb = 0;
  for (size_t k = 0; k < n; ++k) {
    const double x = value(ours, k), y = value(reference, k);
    // Non-finite reference values (MNN propagates NaN/inf from some fixture inputs) must be
    // reproduced exactly and are left out of the cosine.
    if (!std::isfinite(y) || !std::isfinite(x)) {
      const bool same = (std::isnan(x) && std::isnan(y)) || x == y;
      if (!same) ++a.nonFiniteMismatches;
      continue;
    }
    dot += x * y;
    na += x * x;
    nb += y * y;
    a.maxAbsError = std::max(a.maxAbsError, std::fabs(x - y));
    a.maxAbsRef = std::max(a.maxAbsRef, std::fabs(y));
  }
  // Two all-zero tensors agree perfectly.
  a.cosine = (na == 0 && nb == 0) ? 1.0 : dot / (std::sqrt(na) * std::sqrt(nb) + 1e-300);
  return a;
}

bool agrees(const Agreement& a, double minCos, double relTol) {
  if (!a.sameShape || a.nonFiniteMismatches) return false;
  if (a.maxAbsRef == 0) return a.maxAbsError == 0;
  return a.cosine >= minCos && a.maxAbsError <= relTol * a.maxAbsRef;
}

std::string sanitizeName(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return s;
}

}  // namespace mnnq::test
