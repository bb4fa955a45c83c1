// Corner-aligned bilinear resize of an RGBA8 image, pixel-identical to MNN's ImageProcess as the
// quantization tool drives it (CLAMP_TO_EDGE, BILINEAR, RGBA source).
//
// Facts reproduced (read in MNN's source/cv/ImageProcessUtils.cpp and the CPU samplers):
//  * output rows are processed in tiles of at most 512 pixels; for each tile the first pixel's
//    source position and the position one past the last pixel are mapped through the matrix, and
//    positions then advance by the constant float step (delta / count), accumulated pixel by pixel;
//  * positions are clamped to the image, floor/ceil neighbours, weights from the fractions;
//  * the value is computed as MNN's x86 SSE4.1 sampler does (the one every x86-64 CPU of the last
//    15 years runs): four float weights, float products summed left to right, clamped to
//    [0, 255] and TRUNCATED toward zero. (MNN's portable C sampler rounds to nearest and mixes a
//    double term; it gives different bytes for about half the pixels and does not match the
//    fixtures' MNN references, which match this arithmetic bit for bit.)
//  * if the matrix is the identity and the image is at least as large as the output, pixels are
//    copied (no sampling).
#pragma once

#include "mnn_geometry.hpp"

#include <cstdint>

namespace mnnq::input {

// dst: ow * oh * 4 bytes, RGBA.
void resizeRgbaLikeMnn(const uint8_t* src, int iw, int ih, const MnnMatrix& transform, int ow,
                       int oh, uint8_t* dst);

}  // namespace mnnq::input
