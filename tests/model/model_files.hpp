// The fixture models the model-IO tests run over: every float model and every model MNN's own
// quantizer produced.
#pragma once

#include <string>
#include <vector>

namespace mnnq::test {

// Absolute paths of ../shared/fixtures/models/*/*.mnn, sorted.
std::vector<std::string> floatFixtureModels();
// Absolute paths of ../shared/fixtures/mnn_quantized/*/*/quant.mnn, sorted.
std::vector<std::string> quantizedFixtureModels();
// Whole file as bytes.
std::vector<unsigned char> readFileBytes(const std::string& path);

}  // namespace mnnq::test
