// Int8 lookup tables for element-wise unary ops (mnn-quantizer-facts.md B.4.3): the MNN runtime
// runs a UnaryOp in int8 only if it carries `tableInt8`, 255 entries mapping an input code
// -127..127 to an output code, built from the input and output tensors' scale and zero point.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace mnnq {

// The float function of a UnaryOpOperation value, or nullopt if MNN has no int8 table for it
// (FLOOR, CEIL, ROUND, BNLL, GELU_STANDARD, ...): such ops are left in float.
using UnaryFunction = float (*)(float);
std::optional<UnaryFunction> unaryFunctionFor(int unary_op_type);

// tableInt8[i + 127] = clamp((int)round(f((i - z_in) * s_in) / s_out) + z_out, -127, 127).
std::vector<int8_t> buildUnaryTable(UnaryFunction f, float s_in, float z_in, float s_out,
                                    float z_out);

}  // namespace mnnq
