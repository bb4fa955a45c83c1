#include "unary_lookup.hpp"

#include "mnnq/core/schema.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace {

// Evaluated in fp32 like MNN's CPU kernels. GELU is MNN's tanh approximation.
float fAbs(float x) { return std::fabs(x); }
float fSquare(float x) { return x * x; }
float fNeg(float x) { return -x; }
float fRsqrt(float x) { return 1.0f / std::sqrt(x); }
float fExp(float x) { return std::exp(x); }
float fCos(float x) { return std::cos(x); }
float fSin(float x) { return std::sin(x); }
float fSigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float fTanh(float x) { return std::tanh(x); }
float fTan(float x) { return std::tan(x); }
float fAtan(float x) { return std::atan(x); }
float fSqrt(float x) { return std::sqrt(x); }
float fReciprocal(float x) { return 1.0f / x; }
float fLog1p(float x) { return std::log1p(x); }
float fLog(float x) { return std::log(x); }
float fAcosh(float x) { return std::acosh(x); }
float fSinh(float x) { return std::sinh(x); }
float fAsinh(float x) { return std::asinh(x); }
float fAtanh(float x) { return std::atanh(x); }
float fSign(float x) { return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f); }
float fCosh(float x) { return std::cosh(x); }
float fErf(float x) { return std::erf(x); }
float fErfc(float x) { return std::erfc(x); }
float fExpm1(float x) { return std::expm1(x); }
float fAsin(float x) { return std::asin(x); }
float fAcos(float x) { return std::acos(x); }
float fHardswish(float x) {
  if (x <= -3.0f) return 0.0f;
  if (x >= 3.0f) return x;
  return x * (x + 3.0f) / 6.0f;
}
float fGelu(float x) {
  return 0.5f * x * (1.0f + std::tanh(0.79788458f * (x + 0.044715f * x * x * x)));
}
float fSilu(float x) { return x / (1.0f + std::exp(-x)); }
// Inverse error function by Newton steps on erf (the table needs 255 values only).
float fErfinv(float y) {
  if (y <= -1.0f) return -INFINITY;
  if (y >= 1.0f) return INFINITY;
  double x = 0.0;
  for (int i = 0; i < 60; ++i) {
    double err = std::erf(x) - y;
    x -= err / (2.0 / std::sqrt(M_PI) * std::exp(-x * x));
  }
  return static_cast<float>(x);
}

}  // namespace

std::optional<UnaryFunction> unaryFunctionFor(int type) {
  using namespace schema;
  switch (type) {
    case UnaryOpOperation_ABS: return fAbs;
    case UnaryOpOperation_SQUARE: return fSquare;
    case UnaryOpOperation_NEG: return fNeg;
    case UnaryOpOperation_RSQRT: return fRsqrt;
    case UnaryOpOperation_EXP: return fExp;
    case UnaryOpOperation_COS: return fCos;
    case UnaryOpOperation_SIN: return fSin;
    case UnaryOpOperation_SIGMOID: return fSigmoid;
    case UnaryOpOperation_TANH: return fTanh;
    case UnaryOpOperation_TAN: return fTan;
    case UnaryOpOperation_ATAN: return fAtan;
    case UnaryOpOperation_SQRT: return fSqrt;
    case UnaryOpOperation_RECIPROCAL: return fReciprocal;
    case UnaryOpOperation_LOG1P: return fLog1p;
    case UnaryOpOperation_LOG: return fLog;
    case UnaryOpOperation_ACOSH: return fAcosh;
    case UnaryOpOperation_SINH: return fSinh;
    case UnaryOpOperation_ASINH: return fAsinh;
    case UnaryOpOperation_ATANH: return fAtanh;
    case UnaryOpOperation_SIGN: return fSign;
    case UnaryOpOperation_COSH: return fCosh;
    case UnaryOpOperation_ERF: return fErf;
    case UnaryOpOperation_ERFC: return fErfc;
    case UnaryOpOperation_ERFINV: return fErfinv;
    case UnaryOpOperation_EXPM1: return fExpm1;
    case UnaryOpOperation_ASIN: return fAsin;
    case UnaryOpOperation_ACOS: return fAcos;
    case UnaryOpOperation_HARDSWISH: return fHardswish;
    case UnaryOpOperation_GELU: return fGelu;
    case UnaryOpOperation_SILU: return fSilu;
    default: return std::nullopt;
  }
}

std::vector<int8_t> buildUnaryTable(UnaryFunction f, float s_in, float z_in, float s_out,
                                    float z_out) {
  std::vector<int8_t> table(255);
  for (int i = -127; i <= 127; ++i) {
    const float x = (static_cast<float>(i) - z_in) * s_in;
    const float y = f(x);
    // NaN/inf inputs (log of a negative code, ...) saturate like MNN's int conversion would
    // be undefined for; pick the clamp bound with the sign of y, 0 for NaN.
    float code = std::isnan(y) ? 0.0f : std::round(y / s_out) + z_out;
    code = std::min(127.0f, std::max(-127.0f, code));
    table[i + 127] = static_cast<int8_t>(code);
  }
  return table;
}

}  // namespace mnnq
