#include "elementwise.hpp"

#include "simd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mnnq::exec {

bool binaryIsComparison(BinaryKind k) {
  switch (k) {
    case BinaryKind::Greater: case BinaryKind::GreaterEqual: case BinaryKind::Less:
    case BinaryKind::LessEqual: case BinaryKind::Equal: case BinaryKind::NotEqual:
      return true;
    default:
      return false;
  }
}

bool binarySupported(BinaryKind k, bool isInt) {
  switch (k) {
    case BinaryKind::Add: case BinaryKind::Sub: case BinaryKind::Mul: case BinaryKind::Div:
    case BinaryKind::MaxTemp: case BinaryKind::MinTemp: case BinaryKind::Pow:
    case BinaryKind::RealDiv: case BinaryKind::Minimum: case BinaryKind::Maximum:
    case BinaryKind::Greater: case BinaryKind::GreaterEqual: case BinaryKind::Less:
    case BinaryKind::FloorDiv: case BinaryKind::SquaredDifference: case BinaryKind::Equal:
    case BinaryKind::LessEqual: case BinaryKind::FloorMod: case BinaryKind::Mod:
    case BinaryKind::NotEqual:
      return true;
    case BinaryKind::Atan2:
      return !isInt;
    case BinaryKind::LogicalOr: case BinaryKind::BitwiseAnd: case BinaryKind::BitwiseOr:
    case BinaryKind::BitwiseXor: case BinaryKind::LogicalXor: case BinaryKind::LeftShift:
    case BinaryKind::RightShift:
      return isInt;
  }
  return false;
}

std::vector<int> broadcastShape(const std::vector<int>& a, const std::vector<int>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument("shapes cannot be broadcast: dimension " + std::to_string(i) +
                                  " is " + std::to_string(da) + " vs " + std::to_string(db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Iteration plan over the output: collapsed dims with per-input strides (0 = broadcast).
struct BroadcastPlan {
  std::vector<int> dims;
  std::vector<int64_t> sa, sb;  // element strides of a and b per collapsed dim
};

BroadcastPlan makePlan(const std::vector<int>& aShape, const std::vector<int>& bShape,
                       const std::vector<int>& outShape) {
  const size_t rank = outShape.size();
  std::vector<int> da(rank, 1), db(rank, 1);
  for (size_t i = 0; i < aShape.size(); ++i) da[rank - aShape.size() + i] = aShape[i];
  for (size_t i = 0; i < bShape.size(); ++i) db[rank - bShape.size() + i] = bShape[i];
  // Collapse neighbouring dims with the same broadcast pattern; drop size-1 output dims.
  BroadcastPlan p;
  std::vector<std::pair<bool, bool>> pat;
  for (size_t i = 0; i < rank; ++i) {
    if (outShape[i] == 1) continue;
    const std::pair<bool, bool> cur{da[i] == 1, db[i] == 1};
    if (!p.dims.empty() && pat.back() == cur) {
      p.dims.back() *= outShape[i];
    } else {
      p.dims.push_back(outShape[i]);
      pat.push_back(cur);
    }
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    pat.push_back({true, true});
  }
  const size_t r = p.dims.size();
  p.sa.assign(r, 0);
  p.sb.assign(r, 0);
  int64_t ca = 1, cb = 1;
  for (size_t i = r; i-- > 0;) {
    if (!pat[i].first) { p.sa[i] = ca; ca *= p.dims[i]; }
    if (!pat[i].second) { p.sb[i] = cb; cb *= p.dims[i]; }
  }
  return p;
}

template <typename TA, typename TO, typename F>
MNNQ_HOT void runPlan(const BroadcastPlan& p, const TA* a, const TA* b, TO* out, F f) {
  const size_t r = p.dims.size();
  const int inner = p.dims[r - 1];
  const int64_t ia = p.sa[r - 1], ib = p.sb[r - 1];
  int64_t outer = 1;
  for (size_t i = 0; i + 1 < r; ++i) outer *= p.dims[i];
  std::vector<int> idx(r, 0);
  int64_t offA = 0, offB = 0;
  for (int64_t o = 0; o < outer; ++o) {
    const TA* pa = a + offA;
    const TA* pb = b + offB;
    TO* po = out + o * inner;
    if (ia == 1 && ib == 1) {
      for (int k = 0; k < inner; ++k) po[k] = f(pa[k], pb[k]);
    } else if (ia == 1 && ib == 0) {
      const TA vb = pb[0];
      for (int k = 0; k < inner; ++k) po[k] = f(pa[k], vb);
    } else if (ia == 0 && ib == 1) {
      const TA va = pa[0];
      for (int k = 0; k < inner; ++k) po[k] = f(va, pb[k]);
    } else {
      const TO v = f(pa[0], pb[0]);
      for (int k = 0; k < inner; ++k) po[k] = v;
    }
    // Advance the outer multi-index.
    for (size_t d = r - 1; d-- > 0;) {
      ++idx[d];
      offA += p.sa[d];
      offB += p.sb[d];
      if (idx[d] < p.dims[d]) break;
      offA -= p.sa[d] * p.dims[d];
      offB -= p.sb[d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

template <typename T, typename TO>
void dispatchBinary(BinaryKind k, const T* a, const T* b, TO* out, const BroadcastPlan& p) {
  switch (k) {
    case BinaryKind::Add: return runPlan(p, a, b, out, [](T x, T y) { return TO(x + y); });
    case BinaryKind::Sub: return runPlan(p, a, b, out, [](T x, T y) { return TO(x - y); });
    case BinaryKind::Mul: return runPlan(p, a, b, out, [](T x, T y) { return TO(x * y); });
    case BinaryKind::Div: case BinaryKind::RealDiv:
      if constexpr (std::is_integral<T>::value)
        return runPlan(p, a, b, out, [](T x, T y) { return TO(y == 0 ? 0 : x / y); });
      else
        return runPlan(p, a, b, out, [](T x, T y) { return TO(x / y); });
    case BinaryKind::MaxTemp: case BinaryKind::Maximum:
      return runPlan(p, a, b, out, [](T x, T y) { return TO(std::max(x, y)); });
    case BinaryKind::MinTemp: case BinaryKind::Minimum:
      return runPlan(p, a, b, out, [](T x, T y) { return TO(std::min(x, y)); });
    case BinaryKind::Pow:
      return runPlan(p, a, b, out, [](T x, T y) { return TO(std::pow(x, y)); });
    case BinaryKind::Greater: return runPlan(p, a, b, out, [](T x, T y) { return TO(x > y); });
    case BinaryKind::GreaterEqual: return runPlan(p, a, b, out, [](T x, T y) { return TO(x >= y); });
    case BinaryKind::Less: return runPlan(p, a, b, out, [](T x, T y) { return TO(x < y); });
    case BinaryKind::LessEqual: return runPlan(p, a, b, out, [](T x, T y) { return TO(x <= y); });
    case BinaryKind::Equal: return runPlan(p, a, b, out, [](T x, T y) { return TO(x == y); });
    case BinaryKind::NotEqual: return runPlan(p, a, b, out, [](T x, T y) { return TO(x != y); });
    case BinaryKind::FloorDiv:
      return runPlan(p, a, b, out, [](T x, T y) {
        return TO(y == 0 ? 0 : std::floor(static_cast<double>(x) / y));
      });
    case BinaryKind::FloorMod:
      if constexpr (std::is_integral<T>::value)
        return runPlan(p, a, b, out, [](T x, T y) {
          if (y == 0) return TO(0);
          T r = x % y;
          if ((r < 0 && y > 0) || (r > 0 && y < 0)) r += y;
          return TO(r);
        });
      else
        return runPlan(p, a, b, out, [](T x, T y) { return TO(x - std::floor(x / y) * y); });
    case BinaryKind::Mod:
      if constexpr (std::is_integral<T>::value)
        return runPlan(p, a, b, out, [](T x, T y) {
          if (y == 0) return TO(0);
          T r = x % y;
          if ((r < 0 && y > 0) || (r > 0 && y < 0)) r += y;
          return TO(r);
        });
      else
        return runPlan(p, a, b, out, [](T x, T y) { return TO(std::fmod(x, y)); });
    case BinaryKind::SquaredDifference:
      return runPlan(p, a, b, out, [](T x, T y) { return TO((x - y) * (x - y)); });
    case BinaryKind::Atan2:
      return runPlan(p, a, b, out, [](T x, T y) { return TO(std::atan2(x, y)); });
    default:
      break;
  }
  if constexpr (std::is_integral<T>::value) {
    switch (k) {
      case BinaryKind::LogicalOr: return runPlan(p, a, b, out, [](T x, T y) { return TO(x || y); });
      case BinaryKind::LogicalXor: return runPlan(p, a, b, out, [](T x, T y) { return TO((!!x) != (!!y)); });
      case BinaryKind::BitwiseAnd: return runPlan(p, a, b, out, [](T x, T y) { return TO(x & y); });
      case BinaryKind::BitwiseOr: return runPlan(p, a, b, out, [](T x, T y) { return TO(x | y); });
      case BinaryKind::BitwiseXor: return runPlan(p, a, b, out, [](T x, T y) { return TO(x ^ y); });
      case BinaryKind::LeftShift: return runPlan(p, a, b, out, [](T x, T y) { return TO(x << y); });
      case BinaryKind::RightShift: return runPlan(p, a, b, out, [](T x, T y) { return TO(x >> y); });
      default: break;
    }
  }
  throw std::invalid_argument("unsupported binary operation " + std::to_string(int(k)));
}

}  // namespace

void binaryFloat(BinaryKind k, const float* a, const std::vector<int>& aShape, const float* b,
                 const std::vector<int>& bShape, float* out, const std::vector<int>& outShape) {
  dispatchBinary<float, float>(k, a, b, out, makePlan(aShape, bShape, outShape));
}

void compareFloat(BinaryKind k, const float* a, const std::vector<int>& aShape, const float* b,
                  const std::vector<int>& bShape, int32_t* out, const std::vector<int>& outShape) {
  dispatchBinary<float, int32_t>(k, a, b, out, makePlan(aShape, bShape, outShape));
}

void binaryInt(BinaryKind k, const int32_t* a, const std::vector<int>& aShape, const int32_t* b,
               const std::vector<int>& bShape, int32_t* out, const std::vector<int>& outShape) {
  dispatchBinary<int32_t, int32_t>(k, a, b, out, makePlan(aShape, bShape, outShape));
}

bool unarySupported(UnaryKind k) { return int(k) >= 0 && int(k) <= 34 && k != UnaryKind::Erfinv; }

namespace {

// MNN's exp approximation (x86 AVX2+FMA kernel, the one the reference runtime runs): 2^n from
// the exponent bits with n = round(x/ln2), times a degree-5 polynomial of r/4 squared twice.
// Reproducing it matters beyond precision: models compare sigmoid outputs for equality
// (peak detection by max-pooling), so ties must fall where MNN's do.
inline float mnnExp(float x) {
  const float ln2 = 0.693147182f;  // (float)logf(2)
  const float invLn2 = 1.0f / ln2;
  x = std::min(std::max(x, -87.f), 87.f);
  const float n = std::nearbyint(x * invLn2);
  const int32_t ni = static_cast<int32_t>(n);
  const uint32_t bits = static_cast<uint32_t>(ni + 127) << 23;
  float basic;
  std::memcpy(&basic, &bits, sizeof basic);
  const float t = (x - n * ln2) * 0.25f;
  float c = std::fma(1.0f / 120.0f, t, 1.0f / 24.0f);
  c = std::fma(c, t, 1.0f / 6.0f);
  c = std::fma(c, t, 0.5f);
  c = std::fma(c, t, 1.0f);
  c = std::fma(c, t, 1.0f);
  c = c * c;
  c = c * c;
  return basic * c;
}

template <typename F>
MNNQ_HOT void applyUnary(const float* in, float* out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

}  // namespace

void unaryFloat(UnaryKind k, const float* in, float* out, int64_t n) {
  switch (k) {
    case UnaryKind::Abs: return applyUnary(in, out, n, [](float x) { return std::fabs(x); });
    case UnaryKind::Neg: return applyUnary(in, out, n, [](float x) { return -x; });
    case UnaryKind::Floor: return applyUnary(in, out, n, [](float x) { return std::floor(x); });
    case UnaryKind::Ceil: return applyUnary(in, out, n, [](float x) { return std::ceil(x); });
    case UnaryKind::Square: return applyUnary(in, out, n, [](float x) { return x * x; });
    case UnaryKind::Sqrt: return applyUnary(in, out, n, [](float x) { return std::sqrt(x); });
    case UnaryKind::Rsqrt: return applyUnary(in, out, n, [](float x) { return 1.f / std::sqrt(x); });
    case UnaryKind::Exp: return applyUnary(in, out, n, [](float x) { return std::exp(x); });
    case UnaryKind::Log: return applyUnary(in, out, n, [](float x) { return std::log(x); });
    case UnaryKind::Sin: return applyUnary(in, out, n, [](float x) { return std::sin(x); });
    case UnaryKind::Cos: return applyUnary(in, out, n, [](float x) { return std::cos(x); });
    case UnaryKind::Tan: return applyUnary(in, out, n, [](float x) { return std::tan(x); });
    case UnaryKind::Asin: return applyUnary(in, out, n, [](float x) { return std::asin(x); });
    case UnaryKind::Acos: return applyUnary(in, out, n, [](float x) { return std::acos(x); });
    case UnaryKind::Atan: return applyUnary(in, out, n, [](float x) { return std::atan(x); });
    case UnaryKind::Reciprocal: return applyUnary(in, out, n, [](float x) { return 1.f / x; });
    case UnaryKind::Log1p: return applyUnary(in, out, n, [](float x) { return std::log1p(x); });
    case UnaryKind::Bnll:
      return applyUnary(in, out, n, [](float x) {
        return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
      });
    case UnaryKind::Acosh: return applyUnary(in, out, n, [](float x) { return std::acosh(x); });
    case UnaryKind::Sinh: return applyUnary(in, out, n, [](float x) { return std::sinh(x); });
    case UnaryKind::Asinh: return applyUnary(in, out, n, [](float x) { return std::asinh(x); });
    case UnaryKind::Atanh: return applyUnary(in, out, n, [](float x) { return std::atanh(x); });
    case UnaryKind::Sign:
      return applyUnary(in, out, n, [](float x) { return x > 0 ? 1.f : (x < 0 ? -1.f : 0.f); });
    case UnaryKind::Round: return applyUnary(in, out, n, [](float x) { return std::round(x); });
    case UnaryKind::Cosh: return applyUnary(in, out, n, [](float x) { return std::cosh(x); });
    case UnaryKind::Erf: return applyUnary(in, out, n, [](float x) { return std::erf(x); });
    case UnaryKind::Erfc: return applyUnary(in, out, n, [](float x) { return std::erfc(x); });
    case UnaryKind::Expm1: return applyUnary(in, out, n, [](float x) { return std::expm1(x); });
    case UnaryKind::Sigmoid:
      return applyUnary(in, out, n, [](float x) { return 1.f / (1.f + mnnExp(-x)); });
    case UnaryKind::Tanh: return applyUnary(in, out, n, [](float x) { return std::tanh(x); });
    case UnaryKind::HardSwish:
      // Divided by 6, not multiplied by 1/6: MNN's x86 kernel (_SSE_MNNHardSwish) divides, and
      // the two differ in the last bit for many inputs (x = -2.76: -0.110400006 vs -0.110399999).
      return applyUnary(in, out, n, [](float x) {
        return x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;
      });
    case UnaryKind::Gelu:
      // tanh approximation (MNN's GELU); GELU_STANDARD below is the erf form.
      return applyUnary(in, out, n, [](float x) {
        return 0.5f * x * (1.f + std::tanh(0.79788458f * (x + 0.044715f * x * x * x)));
      });
    case UnaryKind::GeluStandard:
      return applyUnary(in, out, n, [](float x) {
        return static_cast<float>((std::erf(x * 0.7071067932881648) + 1) * x * 0.5);
      });
    case UnaryKind::Silu:
      return applyUnary(in, out, n, [](float x) { return x / (1.f + mnnExp(-x)); });
    default:
      break;
  }
  throw std::invalid_argument("unsupported unary operation " + std::to_string(int(k)));
}

void unaryInt(UnaryKind k, const int32_t* in, int32_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t x = in[i];
    switch (k) {
      case UnaryKind::Abs: out[i] = x < 0 ? -x : x; break;
      case UnaryKind::Neg: out[i] = -x; break;
      case UnaryKind::Square: out[i] = x * x; break;
      case UnaryKind::Sign: out[i] = x > 0 ? 1 : (x < 0 ? -1 : 0); break;
      default: throw std::invalid_argument("unsupported int unary operation " + std::to_string(int(k)));
    }
  }
}

}  // namespace mnnq::exec
