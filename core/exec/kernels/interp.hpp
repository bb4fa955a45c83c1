// Spatial resize of NCHW planes with MNN's sampling rules: source coordinate
// x_src = x_dst * scale + offset, then nearest (floor), nearest-round (floor(x+0.499)),
// bilinear (horizontal then vertical lerp, edges clamped) or cubic (A = -0.75).
#pragma once

namespace mnnq::exec {

enum class InterpMode { Nearest = 1, Bilinear = 2, Cubic = 3, NearestRound = 4 };

struct InterpGeometry {
  InterpMode mode = InterpMode::Bilinear;
  float scaleX = 1.f, scaleY = 1.f, offsetX = 0.f, offsetY = 0.f;
};

void interp2d(const float* in, int planes, int inH, int inW, const InterpGeometry& g, float* out,
              int outH, int outW);

}  // namespace mnnq::exec
