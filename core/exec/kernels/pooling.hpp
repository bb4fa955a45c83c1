// 2-D max/average pooling on NCHW planes with MNN's window and divisor rules.
#pragma once

namespace mnnq::exec {

struct PoolGeometry {
  int kernelY = 1, kernelX = 1;
  int strideY = 1, strideX = 1;
  int padTop = 0, padLeft = 0;
  bool isMax = true;
  // Average divisor: true = window clipped to image + padding (ih..min(ih+k, H+pad)),
  // false = only the elements inside the image.
  bool countPadding = false;
};

// planes: batch*channels independent [inH][inW] planes -> [outH][outW] planes.
void pool2d(const float* in, int planes, int inH, int inW, const PoolGeometry& g, float* out,
            int outH, int outW);

}  // namespace mnnq::exec
