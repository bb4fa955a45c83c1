// Activation fused into a convolution (MNN's relu / relu6 flags).
#pragma once

namespace mnnq::exec {

enum class Activation { None, Relu, Relu6 };

}  // namespace mnnq::exec
