// Where each resized pixel samples the source image, computed with the same float operations,
// in the same order, as MNN's quantization tool.
//
// MNN does not compute `x0 + x * (wC-1)/(W-1)` directly. It builds a 3x3 matrix with
// CV::Matrix::setPolyToPoly from four corner pairs (a Skia-derived perspective solver: solve each
// quadrilateral against the unit square, invert one in double precision, multiply in float), and
// maps two points per output row through it (a perspective division in float). The resulting
// positions differ from the exact ratio in the last float bits, and at pixel boundaries that
// decides which source pixels are read. To reproduce MNN's uint8 pixels exactly, this file
// re-implements that arithmetic: the formulas were read from MNN's source/cv/Matrix_CV.cpp; the
// code is mnnq's own and only covers what the calibration tool uses.
//
// This file must be compiled without floating-point contraction (no FMA), like MNN's x86 build.
#pragma once

#include <cstdint>

namespace mnnq::input {

struct PointF {
  float x;
  float y;
};

// 3x3 row-major matrix [scaleX skewX transX; skewY scaleY transY; persp0 persp1 persp2]
// with the lazily computed "type" bits MNN uses to pick its mapping routine.
class MnnMatrix {
 public:
  enum : unsigned { kTranslate = 1, kScale = 2, kAffine = 4, kPerspective = 8 };

  MnnMatrix();  // identity

  // MNN's setPolyToPoly(src, dst, 4). Returns false (and leaves the matrix unchanged, as MNN
  // does) when either quadrilateral is degenerate.
  bool setPolyToPoly4(const PointF src[4], const PointF dst[4]);

  // MNN's mapPoints for `count` points (in place).
  void mapPoints(PointF* points, int count) const;

  void setScaleTranslate(float sx, float sy, float tx, float ty);
  unsigned type() const;
  bool isIdentity() const { return type() == 0; }
  const float* values() const { return m_; }

 private:
  static bool poly4(const PointF p[4], MnnMatrix* out);
  bool invert(MnnMatrix* out) const;
  static MnnMatrix concat(const MnnMatrix& a, const MnnMatrix& b);
  unsigned computeType() const;

  float m_[9];
  // type bits; kUnknown means "compute from the values on first use" (MNN's kUnknown_Mask).
  static constexpr unsigned kUnknown = 0x80;
  mutable unsigned type_;
};

// The matrix MNN's calibration tool builds for one image: destination pixel (x, y) of an
// ow x oh image maps to the centre crop (cropW x cropH at x0, y0) of the source, corners aligned.
// Degenerate sizes (a single row or column) get the exact mapping, where MNN itself breaks down.
MnnMatrix calibrationMatrix(int x0, int y0, int cropW, int cropH, int ow, int oh);

}  // namespace mnnq::input
