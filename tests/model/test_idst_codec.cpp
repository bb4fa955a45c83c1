// The IDSTQuan coded-weight codec, checked three ways: byte layouts worked out by hand from the
// format description, MNN's own quantized files (decode, then re-encode to the same bytes), and
// the decoded integers against an independent MAX_ABS derivation from the float model.
#include "fixtures.hpp"
#include "model_files.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/idst_codec.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace mnnq;

TEST_CASE("dense encoding of a 2x2 2-bit matrix, bytes worked out by hand") {
  const int8_t values[] = {-2, -1, 0, 1};
  IdstEncoded e = encodeIdstDense(values, 2, 2, 2);
  // ndim 2 | dims 2, 2 (uint16 LE) | N = 4 | table -2 -1 0 1 | indices 0,1,2,3 in 2 bits = 0x1B
  const std::vector<int8_t> expected = {2, 2, 0, 2, 0, 4, -2, -1, 0, 1, 0x1B};
  CHECK(e.buffer == expected);
  CHECK(e.type == 1);
  CHECK_FALSE(e.shape_int32);
  IdstDecoded d = decodeIdst(e.buffer.data(), e.buffer.size(), 1, false);
  CHECK(d.dims == std::vector<uint32_t>{2, 2});
  CHECK(d.values == std::vector<int8_t>(values, values + 4));
}

TEST_CASE("dense 8-bit: 256-entry table stored with count 0, uint32 dims above 65535") {
  std::vector<int8_t> values(70000, 0);
  values[0] = -128;
  values[1] = 127;
  IdstEncoded e = encodeIdstDense(values.data(), 1, 70000, 8);
  CHECK(e.shape_int32);
  REQUIRE(e.buffer.size() == 1 + 8 + 1 + 256 + 70000);
  CHECK(e.buffer[9] == 0);       // N = 256 stored as 0
  CHECK(e.buffer[10] == -128);   // table starts at -128
  CHECK(uint8_t(e.buffer[266]) == 0);    // -128 + 128
  CHECK(uint8_t(e.buffer[267]) == 255);  // 127 + 128
  CHECK(uint8_t(e.buffer[268]) == 128);  // 0 + 128
  IdstDecoded d = decodeIdst(e.buffer.data(), e.buffer.size(), 1, true);
  CHECK(d.values == values);
}

TEST_CASE("sparse encoding of {0, 0, 3, 0}, bytes worked out by hand") {
  const int8_t values[] = {0, 0, 3, 0};
  auto sparse = encodeIdstSparse(values, 1, 4, 8);
  REQUIRE(sparse);
  // Step width 2 (1 entry: step 2) is as small as any wider one, and the first minimum wins.
  std::vector<int8_t> expected = {2, 1, 0, 4, 0, /*nnz*/ 1, 0, 0, 0, /*S*/ 2, /*step 2 -> 10......*/ int8_t(0x80),
                                  /*N*/ 0};
  for (int i = -128; i < 128; ++i) expected.push_back(int8_t(i));
  expected.push_back(int8_t(3 + 128));
  CHECK(sparse->buffer == expected);
  CHECK(sparse->type == 2);
  IdstDecoded d = decodeIdst(sparse->buffer.data(), sparse->buffer.size(), 2, false);
  CHECK(d.values == std::vector<int8_t>(values, values + 4));
  // 269 sparse bytes are not fewer than 266 dense ones: MNN's rule keeps dense.
  CHECK(encodeIdst(values, 1, 4, 8, true).type == 1);
  const int8_t zeros[] = {0, 0, 0, 0};
  CHECK_FALSE(encodeIdstSparse(zeros, 1, 4, 8));
}

TEST_CASE("corrupt coded buffers are rejected with specific messages") {
  const int8_t values[] = {-2, -1, 0, 1};
  IdstEncoded e = encodeIdstDense(values, 2, 2, 2);
  CHECK_THROWS_WITH(decodeIdst(e.buffer.data(), e.buffer.size() - 1, 1, false), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(decodeIdst(e.buffer.data(), e.buffer.size(), 3, false), Catch::Contains("type 3"));
  std::vector<int8_t> bad = e.buffer;
  bad[0] = 9;
  CHECK_THROWS_WITH(decodeIdst(bad.data(), bad.size(), 1, false), Catch::Contains("dimension count 9"));
  const int8_t out_of_range[] = {2};
  CHECK_THROWS_WITH(encodeIdstDense(out_of_range, 1, 1, 2), Catch::Contains("outside the 2-bit range"));
}

namespace {

struct CodedConv {
  std::string name;
  const schema::Convolution2DT* conv;
};

std::vector<CodedConv> codedConvs(const Graph& g) {
  std::vector<CodedConv> out;
  for (int i = 0; i < g.numOps(); ++i) {
    const schema::OpT& op = g.op(i);
    if (op.main.type != schema::OpParameter_Convolution2D) continue;
    const auto* conv = op.main.AsConvolution2D();
    if (conv->quanParameter && !conv->quanParameter->buffer.empty()) out.push_back({op.name, conv});
  }
  return out;
}

}  // namespace

TEST_CASE("MNN's quantized fixtures decode and re-encode to the same bytes") {
  MNNQ_REQUIRE_FIXTURES();
  std::map<int, int> typesSeen;
  for (const std::string& path : test::quantizedFixtureModels()) {
    Graph g = Graph::load(path);
    for (const CodedConv& c : codedConvs(g)) {
      INFO(path << " op " << c.name);
      const schema::IDSTQuanT& q = *c.conv->quanParameter;
      ++typesSeen[q.type];
      IdstDecoded d = decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
      REQUIRE(d.dims.size() == 2);
      CHECK(d.kernelNum() == uint64_t(c.conv->common->outputCount));
      CHECK(q.alpha.size() == d.kernelNum());
      // quantized.out enables sparse detection for 8-bit weights, and so do we here.
      IdstEncoded e = encodeIdst(d.values.data(), d.kernelNum(), d.area(), q.aMaxOrBits, q.aMaxOrBits >= 8);
      CHECK(e.type == q.type);
      CHECK(e.shape_int32 == q.shapeInt32);
      CHECK(e.buffer == q.buffer);
    }
  }
  // All 433 coded convolutions of the fixtures are dense: for these weights the sparse form is
  // never shorter, and encodeIdst's selection agrees with MNN's on every one of them.
  INFO("dense " << typesSeen[1] << ", sparse " << typesSeen[2]);
  CHECK(typesSeen[1] + typesSeen[2] == 433);
}

// MNN's KL/ADMM path with MAX_ABS weights (mnn-quantizer-facts.md C.6): fake-quantise each output
// channel once (st = max|w| / 127, w' = st * round(w / st)), then alpha = max|w'| / 127 and
// q = round(w' / alpha), all in float. Computed here from the float model, independently of the
// codec, and compared with what the codec decodes from MNN's file.
TEST_CASE("decoded int8 weights equal the MAX_ABS derivation from the float model") {
  MNNQ_REQUIRE_FIXTURES();
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"models/ultraface/RFB-320.mnn", "mnn_quantized/rfb320/KL/quant.mnn"},
      {"models/ultraface/RFB-320.mnn", "mnn_quantized/rfb320/ADMM/quant.mnn"},
      {"models/ultraface/rfb320_onnx.mnn", "mnn_quantized/rfb320_onnx/KL/quant.mnn"},
      {"models/blazeface_tf/blazeface.mnn", "mnn_quantized/blazeface_tf/KL/quant.mnn"},
      {"models/mnist_lenet/mnist.mnn", "mnn_quantized/mnist/KL/quant.mnn"},
      {"models/ppocr_v4/ppocr_cls.mnn", "mnn_quantized/ppocr_cls/KL/quant.mnn"},
  };
  for (const auto& [floatPath, quantPath] : pairs) {
    Graph fg = Graph::load(test::fixture(floatPath));
    Graph qg = Graph::load(test::fixture(quantPath));
    int compared = 0;
    for (const CodedConv& c : codedConvs(qg)) {
      INFO(quantPath << " op " << c.name);
      int fi = fg.findOp(c.name);
      REQUIRE(fi >= 0);
      const auto* fconv = fg.op(fi).main.AsConvolution2D();
      REQUIRE(fconv != nullptr);
      const std::vector<float>& w = fconv->weight;
      const schema::IDSTQuanT& q = *c.conv->quanParameter;
      IdstDecoded d = decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
      REQUIRE(d.values.size() == w.size());
      const size_t oc = d.kernelNum(), area = d.area();
      size_t mismatches = 0;
      for (size_t o = 0; o < oc; ++o) {
        float m = 0;
        for (size_t k = 0; k < area; ++k) m = std::max(m, std::fabs(w[o * area + k]));
        float st = m / 127.0f;
        if (m < 1e-6f) st = m;
        std::vector<float> fake(area);
        float m2 = 0;
        for (size_t k = 0; k < area; ++k) {
          float x = st > 0 ? st * std::max(-127.0f, std::min(127.0f, std::round(w[o * area + k] / st))) : 0.0f;
          fake[k] = x;
          m2 = std::max(m2, std::fabs(x));
        }
        float alpha = m2 / 127.0f;
        CHECK(q.alpha[o] == Approx(alpha).epsilon(1e-6));
        for (size_t k = 0; k < area; ++k) {
          int expected = alpha > 1e-6f ? int(std::max(-128.0f, std::min(127.0f, std::round(fake[k] / alpha)))) : 0;
          if (d.values[o * area + k] != expected) ++mismatches;
        }
      }
      CHECK(mismatches == 0);
      ++compared;
    }
    INFO(quantPath);
    CHECK(compared > 0);
  }
}

TEST_CASE("mostly-zero weights choose the sparse form and decode back, across long zero runs") {
  // 4 channels x 1000: a few values, zero runs of up to ~900 (longer than any 8-bit step, so
  // bridging zero entries are needed).
  std::vector<int8_t> values(4000, 0);
  values[0] = 5;
  values[1] = -128;
  values[950] = 127;
  values[1999] = -3;
  values[3999] = 1;
  IdstEncoded e = encodeIdst(values.data(), 4, 1000, 8, true);
  CHECK(e.type == 2);
  CHECK(e.buffer.size() < encodeIdstDense(values.data(), 4, 1000, 8).buffer.size());
  IdstDecoded d = decodeIdst(e.buffer.data(), e.buffer.size(), 2, false);
  CHECK(d.dims == std::vector<uint32_t>{4, 1000});
  CHECK(d.values == values);
  CHECK(encodeIdst(values.data(), 4, 1000, 8, false).type == 1);
}
