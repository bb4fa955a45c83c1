// npy and sequence samples for a two-input model (no real model needed: the plugin only sees the
// input descriptions). Expected values are the numbers written into the sample files.
#include "input_plugin_under_test.hpp"
#include "test_files.hpp"

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

using mnnq::test::CallResult;
using mnnq::test::readFile;
using mnnq::test::writeFile;
using mnnq::test::InputSourceUnderTest;
using mnnq::test::ModelInputSpec;

namespace {

const std::vector<ModelInputSpec> kTwoInputs = {{"tokens", {1, 4}, MNNQ_LAYOUT_NCHW},
                                                {"mask", {1, 2, 3}, MNNQ_LAYOUT_NCHW}};

template <class T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

CallResult loadAt(const InputSourceUnderTest& s, uint64_t i, std::vector<std::vector<float>>& out) {
  const CallResult r = s.load(i, out);
  INFO(s.name(i) << ": " << r.message);
  return r;
}

}  // namespace

TEST_CASE("npy samples drive a two-input model") {
  const std::string dir = mnnq::test::tempDir("input-npy");
  // s0: float32 with batch dimension.
  writeFile(dir + "/s0/tokens.npy", mnnq::test::npyBytes("<f4", "(1, 4)", raw<float>({1.5f, -2, 3, 4})));
  writeFile(dir + "/s0/mask.npy", mnnq::test::npyBytes("<f4", "(1, 2, 3)", raw<float>({0, 1, 0, 1, 1, 0})));
  // s1: float64 and int32, batch dimension left out: converted.
  writeFile(dir + "/s1/tokens.npy", mnnq::test::npyBytes("<f8", "(4,)", raw<double>({0.25, 7, 8, 9})));
  writeFile(dir + "/s1/mask.npy", mnnq::test::npyBytes("<i4", "(2, 3)", raw<int32_t>({-1, 2, -3, 4, -5, 6})));
  // s2: mask missing. s3: wrong shape. s4: truncated data. s5: a stray file.
  writeFile(dir + "/s2/tokens.npy", mnnq::test::npyBytes("<f4", "(1, 4)", raw<float>({1, 2, 3, 4})));
  writeFile(dir + "/s3/tokens.npy", mnnq::test::npyBytes("<f4", "(1, 5)", raw<float>({1, 2, 3, 4, 5})));
  writeFile(dir + "/s3/mask.npy", mnnq::test::npyBytes("<f4", "(1, 2, 3)", raw<float>({0, 1, 0, 1, 1, 0})));
  writeFile(dir + "/s4/tokens.npy", mnnq::test::npyBytes("<f4", "(1, 4)", raw<float>({1, 2})));
  writeFile(dir + "/s4/mask.npy", mnnq::test::npyBytes("<f4", "(1, 2, 3)", raw<float>({0, 1, 0, 1, 1, 0})));
  writeFile(dir + "/s5.npy", mnnq::test::npyBytes("<f4", "(1, 4)", raw<float>({1, 2, 3, 4})));

  InputSourceUnderTest source("input_npy", {{"path", dir}}, kTwoInputs);
  REQUIRE(source.count() == 6);
  CHECK(source.shape(0) == std::vector<int32_t>{1, 4});
  CHECK(source.shape(1) == std::vector<int32_t>{1, 2, 3});
  std::vector<std::vector<float>> out;
  REQUIRE(loadAt(source, 0, out).status == MNNQ_OK);
  CHECK(out[0] == std::vector<float>{1.5f, -2, 3, 4});
  CHECK(out[1] == std::vector<float>{0, 1, 0, 1, 1, 0});
  REQUIRE(loadAt(source, 1, out).status == MNNQ_OK);
  CHECK(out[0] == std::vector<float>{0.25f, 7, 8, 9});
  CHECK(out[1] == std::vector<float>{-1, 2, -3, 4, -5, 6});
  const struct {
    uint64_t index;
    const char* reason;
  } skips[] = {{2, "no 'mask.npy'"}, {3, "has shape [1,5]"}, {4, "shorter"}, {5, "cannot feed a model with 2 inputs"}};
  for (const auto& s : skips) {
    const CallResult r = loadAt(source, s.index, out);
    INFO("sample " << s.index << ": " << r.message);
    CHECK(r.status == MNNQ_SKIP);
    CHECK(r.message.find(s.reason) != std::string::npos);
  }
}

TEST_CASE("npy: single-input models take plain .npy files; unknown dims come from the data or inputs") {
  const std::string dir = mnnq::test::tempDir("input-npy1");
  writeFile(dir + "/a.npy", mnnq::test::npyBytes("<f4", "(1, 3)", raw<float>({1, 2, 3})));
  writeFile(dir + "/b.npy", mnnq::test::npyBytes("<f4", "(1, 3)", raw<float>({4, 5, 6})));
  writeFile(dir + "/notes.txt", "hello");
  const std::vector<ModelInputSpec> dynamic = {{"x", {-1, -1}, MNNQ_LAYOUT_NCHW}};
  InputSourceUnderTest fromData("input_npy", {{"path", dir}}, dynamic);
  CHECK(fromData.shape(0) == std::vector<int32_t>{1, 3});
  std::vector<std::vector<float>> out;
  REQUIRE(loadAt(fromData, 1, out).status == MNNQ_OK);
  CHECK(out[0] == std::vector<float>{4, 5, 6});
  CHECK(loadAt(fromData, 2, out).status == MNNQ_SKIP);

  nlohmann::json cfg = {{"path", dir}, {"inputs", {{{"name", "x"}, {"shape", {1, 3}}}}}};
  InputSourceUnderTest fromKey("input_npy", cfg, dynamic);
  CHECK(fromKey.shape(0) == std::vector<int32_t>{1, 3});

  cfg["inputs"] = {{{"name", "y"}, {"shape", {1, 3}}}};
  const CallResult bad = InputSourceUnderTest::tryCreate("input_npy", cfg, dynamic);
  CHECK(bad.status == MNNQ_INVALID_ARGUMENT);
  CHECK(bad.message.find("'y' is not a model input") != std::string::npos);

  const CallResult none =
      InputSourceUnderTest::tryCreate("input_npy", {{"path", dir + "/nowhere"}}, dynamic);
  CHECK(none.status == MNNQ_INVALID_ARGUMENT);
  CHECK(none.message.find(dir + "/nowhere") != std::string::npos);
}

TEST_CASE("sequence samples drive a two-input model") {
  const std::string dir = mnnq::test::tempDir("input-seq");
  writeFile(dir + "/s0/tokens.txt", "1 2.5\n-3 4e2\n");
  writeFile(dir + "/s0/mask.txt", "0 1 0\n1 1 0");
  writeFile(dir + "/s1/tokens.txt", "1 2 x 4");
  writeFile(dir + "/s1/mask.txt", "0 1 0 1 1 0");
  writeFile(dir + "/s2/tokens.txt", "1 2 3");
  writeFile(dir + "/s2/mask.txt", "0 1 0 1 1 0");
  writeFile(dir + "/s3/tokens.txt", "1 2 3 4");
  writeFile(dir + "/s4/tokens.txt", "1 2 3 4");
  writeFile(dir + "/s4/mask.txt", "0 1 0 1 1 0");
  writeFile(dir + "/s4/input.json", R"({"inputs": [{"name": "mask", "shape": [1, 3, 2]}]})");
  writeFile(dir + "/loose.txt", "1 2 3 4");

  InputSourceUnderTest source("input_sequence", {{"path", dir}}, kTwoInputs);
  REQUIRE(source.count() == 6);
  std::vector<std::vector<float>> out;
  REQUIRE(loadAt(source, 1, out).status == MNNQ_OK);  // "loose.txt" sorts first
  CHECK(source.name(1) == "s0");
  CHECK(out[0] == std::vector<float>{1, 2.5f, -3, 400});
  CHECK(out[1] == std::vector<float>{0, 1, 0, 1, 1, 0});
  const struct {
    uint64_t index;
    const char* reason;
  } skips[] = {{0, "not a folder"},
               {2, "value #3 'x' is not a number"},
               {3, "has 3 values, 4 expected"},
               {4, "mask.txt'"},
               {5, "shape [1,3,2]"}};
  for (const auto& s : skips) {
    const CallResult r = loadAt(source, s.index, out);
    INFO("sample " << s.index << ": " << r.message);
    CHECK(r.status == MNNQ_SKIP);
    CHECK(r.message.find(s.reason) != std::string::npos);
  }
}

TEST_CASE("sequence: shapes from input.json or the inputs key when the model does not know them") {
  const std::string dir = mnnq::test::tempDir("input-seq2");
  writeFile(dir + "/a/input.json", R"({"inputs": [{"name": "x", "shape": [2, 2]}]})");
  writeFile(dir + "/a/x.txt", "1 2 3 4");
  const std::vector<ModelInputSpec> dynamic = {{"x", {-1, -1}, MNNQ_LAYOUT_NCHW}};
  InputSourceUnderTest fromJson("input_sequence", {{"path", dir}}, dynamic);
  CHECK(fromJson.shape(0) == std::vector<int32_t>{2, 2});

  nlohmann::json cfg = {{"path", dir}, {"inputs", {{{"name", "x"}, {"shape", {4}}}}}};
  InputSourceUnderTest fromKey("input_sequence", cfg, dynamic);
  CHECK(fromKey.shape(0) == std::vector<int32_t>{4});

  const std::string bare = mnnq::test::tempDir("input-seq3");
  writeFile(bare + "/a/x.txt", "1 2 3 4");
  const CallResult r = InputSourceUnderTest::tryCreate("input_sequence", {{"path", bare}}, dynamic);
  CHECK(r.status == MNNQ_INVALID_ARGUMENT);
  CHECK(r.message.find("'x'") != std::string::npos);
}
