// Element-wise kernels: numpy-style broadcasting binary operations (float and int32) and the
// float unary functions, with the formulas of MNN's CPU backend.
#pragma once

#include <cstdint>
#include <vector>

namespace mnnq::exec {

// Values equal MNN's BinaryOpOperation.
enum class BinaryKind : int {
  Add = 0, Sub = 1, Mul = 2, Div = 3, MaxTemp = 4, MinTemp = 5, Pow = 6, RealDiv = 7,
  Minimum = 8, Maximum = 9, Greater = 10, GreaterEqual = 11, Less = 12, FloorDiv = 13,
  SquaredDifference = 14, Equal = 15, LessEqual = 16, FloorMod = 17, Mod = 19, Atan2 = 20,
  LogicalOr = 21, NotEqual = 22, BitwiseAnd = 23, BitwiseOr = 24, BitwiseXor = 25,
  LogicalXor = 26, LeftShift = 27, RightShift = 28
};

bool binaryIsComparison(BinaryKind k);
bool binarySupported(BinaryKind k, bool isInt);

// Broadcast result shape (right-aligned); throws std::invalid_argument when incompatible.
std::vector<int> broadcastShape(const std::vector<int>& a, const std::vector<int>& b);

// out has shape `outShape` (= broadcastShape(aShape, bShape)).
void binaryFloat(BinaryKind k, const float* a, const std::vector<int>& aShape, const float* b,
                 const std::vector<int>& bShape, float* out, const std::vector<int>& outShape);
// Comparisons on float inputs produce int32 0/1.
void compareFloat(BinaryKind k, const float* a, const std::vector<int>& aShape, const float* b,
                  const std::vector<int>& bShape, int32_t* out, const std::vector<int>& outShape);
void binaryInt(BinaryKind k, const int32_t* a, const std::vector<int>& aShape, const int32_t* b,
               const std::vector<int>& bShape, int32_t* out, const std::vector<int>& outShape);

// Values equal MNN's UnaryOpOperation.
enum class UnaryKind : int {
  Abs = 0, Neg = 1, Floor = 2, Ceil = 3, Square = 4, Sqrt = 5, Rsqrt = 6, Exp = 7, Log = 8,
  Sin = 9, Cos = 10, Tan = 11, Asin = 12, Acos = 13, Atan = 14, Reciprocal = 15, Log1p = 16,
  Bnll = 17, Acosh = 18, Sinh = 19, Asinh = 20, Atanh = 21, Sign = 22, Round = 23, Cosh = 24,
  Erf = 25, Erfc = 26, Erfinv = 27, Expm1 = 28, Sigmoid = 29, Tanh = 30, HardSwish = 31,
  Gelu = 32, GeluStandard = 33, Silu = 34
};

bool unarySupported(UnaryKind k);
void unaryFloat(UnaryKind k, const float* in, float* out, int64_t n);
void unaryInt(UnaryKind k, const int32_t* in, int32_t* out, int64_t n);  // Abs, Neg, Square, Sign

}  // namespace mnnq::exec
