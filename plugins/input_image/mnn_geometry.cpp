#include "mnn_geometry.hpp"

namespace mnnq::input {
namespace {

// Element indices, row-major.
enum { kScaleX = 0, kSkewX, kTransX, kSkewY, kScaleY, kTransY, kPersp0, kPersp1, kPersp2 };

bool nearlyZero(float x) { return x * x == 0; }

// a*b - c*d in float, then scaled in double and rounded back to float.
float crossScaled(float a, float b, float c, float d, double scale) {
  float cross = a * b - c * d;
  return static_cast<float>(cross * scale);
}
// a*b - c*d in double, scaled, rounded to float.
float crossScaledDouble(double a, double b, double c, double d, double scale) {
  return static_cast<float>((a * b - c * d) * scale);
}
double crossDouble(double a, double b, double c, double d) { return a * b - c * d; }

// Comparisons MNN writes as nested conditionals: "is |x| > |y|" for the pivot choice.
bool absXGreater(float x, float y) {
  return x > 0 ? (y > 0 ? x > y : x > -y) : (y > 0 ? -x > y : x < y);
}

}  // namespace

MnnMatrix::MnnMatrix() : m_{1, 0, 0, 0, 1, 0, 0, 0, 1}, type_(0) {}

unsigned MnnMatrix::computeType() const {
  if (m_[kPersp0] != 0 || m_[kPersp1] != 0 || m_[kPersp2] != 1)
    return kTranslate | kScale | kAffine | kPerspective;
  unsigned mask = 0;
  if (m_[kTransX] != 0 || m_[kTransY] != 0) mask |= kTranslate;
  if (m_[kSkewX] != 0 || m_[kSkewY] != 0) {
    mask |= kAffine | kScale;
  } else if (m_[kScaleX] != 1 || m_[kScaleY] != 1) {
    mask |= kScale;
  }
  return mask;
}

unsigned MnnMatrix::type() const {
  if (type_ & kUnknown) type_ = computeType();
  return type_;
}

void MnnMatrix::setScaleTranslate(float sx, float sy, float tx, float ty) {
  float v[9] = {sx, 0, tx, 0, sy, ty, 0, 0, 1};
  for (int i = 0; i < 9; ++i) m_[i] = v[i];
  type_ = ((sx != 1 || sy != 1) ? kScale : 0u) | ((tx != 0 || ty != 0) ? kTranslate : 0u);
}

// The perspective map taking the unit square's corners (0,0), (0,1), (1,1), (1,0) to
// p[0], p[1], p[2], p[3] (Skia's Poly4Proc).
bool MnnMatrix::poly4(const PointF p[4], MnnMatrix* out) {
  float x0 = p[2].x - p[0].x, y0 = p[2].y - p[0].y;
  float x1 = p[2].x - p[1].x, y1 = p[2].y - p[1].y;
  float x2 = p[2].x - p[3].x, y2 = p[2].y - p[3].y;
  float a1, a2;
  if (absXGreater(x2, y2)) {
    float denom = (x1 * y2) / x2 - y1;
    if (nearlyZero(denom)) return false;
    float num = (x0 - x1) * y2;
    num = num / x2;
    a1 = (num - y0 + y1) / denom;
  } else {
    float denom = x1 - (y1 * x2) / y2;
    if (nearlyZero(denom)) return false;
    a1 = (x0 - x1 - ((y0 - y1) * x2) / y2) / denom;
  }
  if (absXGreater(x1, y1)) {
    float denom = y2 - (x2 * y1) / x1;
    if (nearlyZero(denom)) return false;
    a2 = (y0 - y2 - ((x0 - x2) * y1) / x1) / denom;
  } else {
    float denom = (y2 * x1) / y1 - x2;
    if (nearlyZero(denom)) return false;
    a2 = (((y0 - y2) * x1) / y1 - x0 + x2) / denom;
  }
  float* m = out->m_;
  m[kScaleX] = a2 * p[3].x + p[3].x - p[0].x;
  m[kSkewY] = a2 * p[3].y + p[3].y - p[0].y;
  m[kPersp0] = a2;
  m[kSkewX] = a1 * p[1].x + p[1].x - p[0].x;
  m[kScaleY] = a1 * p[1].y + p[1].y - p[0].y;
  m[kPersp1] = a1;
  m[kTransX] = p[0].x;
  m[kTransY] = p[0].y;
  m[kPersp2] = 1;
  out->type_ = kUnknown;
  return true;
}

bool MnnMatrix::invert(MnnMatrix* out) const {
  const unsigned mask = type();
  const float* s = m_;
  if (mask == 0) {
    *out = MnnMatrix();
    return true;
  }
  if ((mask & ~(kScale | kTranslate)) == 0) {
    if (mask & kScale) {
      if (s[kScaleX] == 0 || s[kScaleY] == 0) return false;
      float invX = 1.0f / s[kScaleX];
      float invY = 1.0f / s[kScaleY];
      float v[9] = {invX, 0, -s[kTransX] * invX, 0, invY, -s[kTransY] * invY, 0, 0, 1};
      for (int i = 0; i < 9; ++i) out->m_[i] = v[i];
      out->type_ = mask;
    } else {
      out->setScaleTranslate(1, 1, -s[kTransX], -s[kTransY]);
    }
    return true;
  }
  const bool persp = (mask & kPerspective) != 0;
  double det;
  if (persp) {
    det = s[kScaleX] * crossDouble(s[kScaleY], s[kPersp2], s[kTransY], s[kPersp1]) +
          s[kSkewX] * crossDouble(s[kTransY], s[kPersp0], s[kSkewY], s[kPersp2]) +
          s[kTransX] * crossDouble(s[kSkewY], s[kPersp1], s[kScaleY], s[kPersp0]);
  } else {
    det = crossDouble(s[kScaleX], s[kScaleY], s[kSkewX], s[kSkewY]);
  }
  const double invDet = 1.0 / det;
  if (invDet == 0) return false;
  float* d = out->m_;
  if (persp) {
    d[kScaleX] = crossScaled(s[kScaleY], s[kPersp2], s[kTransY], s[kPersp1], invDet);
    d[kSkewX] = crossScaled(s[kTransX], s[kPersp1], s[kSkewX], s[kPersp2], invDet);
    d[kTransX] = crossScaled(s[kSkewX], s[kTransY], s[kTransX], s[kScaleY], invDet);
    d[kSkewY] = crossScaled(s[kTransY], s[kPersp0], s[kSkewY], s[kPersp2], invDet);
    d[kScaleY] = crossScaled(s[kScaleX], s[kPersp2], s[kTransX], s[kPersp0], invDet);
    d[kTransY] = crossScaled(s[kTransX], s[kSkewY], s[kScaleX], s[kTransY], invDet);
    d[kPersp0] = crossScaled(s[kSkewY], s[kPersp1], s[kScaleY], s[kPersp0], invDet);
    d[kPersp1] = crossScaled(s[kSkewX], s[kPersp0], s[kScaleX], s[kPersp1], invDet);
    d[kPersp2] = crossScaled(s[kScaleX], s[kScaleY], s[kSkewX], s[kSkewY], invDet);
  } else {
    d[kScaleX] = static_cast<float>(s[kScaleY] * invDet);
    d[kSkewX] = static_cast<float>(-s[kSkewX] * invDet);
    d[kTransX] = crossScaledDouble(s[kSkewX], s[kTransY], s[kScaleY], s[kTransX], invDet);
    d[kSkewY] = static_cast<float>(-s[kSkewY] * invDet);
    d[kScaleY] = static_cast<float>(s[kScaleX] * invDet);
    d[kTransY] = crossScaledDouble(s[kSkewY], s[kTransX], s[kScaleX], s[kTransY], invDet);
    d[kPersp0] = 0;
    d[kPersp1] = 0;
    d[kPersp2] = 1;
  }
  // MNN copies the source's type bits to the inverse instead of recomputing them.
  out->type_ = mask;
  return true;
}

MnnMatrix MnnMatrix::concat(const MnnMatrix& a, const MnnMatrix& b) {
  const unsigned aType = a.type();
  const unsigned bType = b.type();
  if (aType == 0) return b;
  if (bType == 0) return a;
  MnnMatrix r;
  const float* x = a.m_;
  const float* y = b.m_;
  if (((aType | bType) & (kAffine | kPerspective)) == 0) {
    r.setScaleTranslate(x[kScaleX] * y[kScaleX], x[kScaleY] * y[kScaleY],
                        x[kScaleX] * y[kTransX] + x[kTransX], x[kScaleY] * y[kTransY] + x[kTransY]);
    return r;
  }
  if ((aType | bType) & kPerspective) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        r.m_[3 * i + j] = x[3 * i] * y[j] + x[3 * i + 1] * y[3 + j] + x[3 * i + 2] * y[6 + j];
  } else {
    auto mulAddMul = [](float p, float q, float s, float t) {
      return static_cast<float>(static_cast<double>(p) * q + static_cast<double>(s) * t);
    };
    r.m_[kScaleX] = mulAddMul(x[kScaleX], y[kScaleX], x[kSkewX], y[kSkewY]);
    r.m_[kSkewX] = mulAddMul(x[kScaleX], y[kSkewX], x[kSkewX], y[kScaleY]);
    r.m_[kTransX] = mulAddMul(x[kScaleX], y[kTransX], x[kSkewX], y[kTransY]) + x[kTransX];
    r.m_[kSkewY] = mulAddMul(x[kSkewY], y[kScaleX], x[kScaleY], y[kSkewY]);
    r.m_[kScaleY] = mulAddMul(x[kSkewY], y[kSkewX], x[kScaleY], y[kScaleY]);
    r.m_[kTransY] = mulAddMul(x[kSkewY], y[kTransX], x[kScaleY], y[kTransY]) + x[kTransY];
    r.m_[kPersp0] = 0;
    r.m_[kPersp1] = 0;
    r.m_[kPersp2] = 1;
  }
  r.type_ = kUnknown;
  return r;
}

bool MnnMatrix::setPolyToPoly4(const PointF src[4], const PointF dst[4]) {
  MnnMatrix fromUnitToSrc, srcToUnit, fromUnitToDst;
  if (!poly4(src, &fromUnitToSrc)) return false;
  if (!fromUnitToSrc.invert(&srcToUnit)) return false;
  if (!poly4(dst, &fromUnitToDst)) return false;
  *this = concat(fromUnitToDst, srcToUnit);
  return true;
}

void MnnMatrix::mapPoints(PointF* p, int count) const {
  const unsigned t = type();
  const float* m = m_;
  for (int i = 0; i < count; ++i) {
    const float sx = p[i].x, sy = p[i].y;
    if (t == 0) continue;
    if (t == kTranslate) {
      p[i] = {sx + m[kTransX], sy + m[kTransY]};
    } else if (t <= (kScale | kTranslate)) {
      p[i] = {sx * m[kScaleX] + m[kTransX], sy * m[kScaleY] + m[kTransY]};
    } else if (!(t & kPerspective)) {
      p[i] = {sx * m[kScaleX] + sy * m[kSkewX] + m[kTransX],
              sx * m[kSkewY] + sy * m[kScaleY] + m[kTransY]};
    } else {
      float x = sx * m[kScaleX] + sy * m[kSkewX] + m[kTransX];
      float y = sx * m[kSkewY] + sy * m[kScaleY] + m[kTransY];
      float z = sx * m[kPersp0] + (sy * m[kPersp1] + m[kPersp2]);
      if (z != 0) z = 1.0f / z;
      p[i] = {x * z, y * z};
    }
  }
}

MnnMatrix calibrationMatrix(int x0, int y0, int cropW, int cropH, int ow, int oh) {
  MnnMatrix m;
  if (ow < 2 || oh < 2 || cropW < 2 || cropH < 2) {
    // A single output or crop row/column makes MNN's four-point solver divide 0 by 0: MNN then
    // samples at NaN positions (reading outside the image) or, for ow == 1, copies the top-left
    // pixels. mnnq uses the exact corner-aligned mapping instead.
    const float sx = ow > 1 ? float(cropW - 1) / float(ow - 1) : 0.0f;
    const float sy = oh > 1 ? float(cropH - 1) / float(oh - 1) : 0.0f;
    m.setScaleTranslate(sx, sy, float(x0), float(y0));
    return m;
  }
  const PointF out[4] = {{0.0f, 0.0f},
                         {0.0f, float(oh - 1)},
                         {float(ow - 1), 0.0f},
                         {float(ow - 1), float(oh - 1)}};
  const PointF crop[4] = {{float(x0), float(y0)},
                          {float(x0), float(y0 + cropH - 1)},
                          {float(x0 + cropW - 1), float(y0)},
                          {float(x0 + cropW - 1), float(y0 + cropH - 1)}};
  m.setPolyToPoly4(out, crop);
  return m;
}

}  // namespace mnnq::input
