// Phase equalize: cross-layer equalisation of depthwise inputs (equalization.hpp), before
// calibration, so every pass, the scales and the written weights see the equalised model, which
// computes the same float function as the original.
#include "phases.hpp"

#include "../channel_stats.hpp"
#include "../equalization.hpp"

namespace mnnq::phases {
namespace {

// Whether equalisation runs when the config does not say. The one place that decides it: a
// calibrator whose default run reproduces quantized.out's scales (MNNQ_CALIBRATOR_REPRODUCES_MNN,
// KL) keeps the float weights quantized.out would see; the others get the better int8 model.
bool equalizeByDefault(const CalibratorHandle& calibrator) {
  return !calibrator.reproducesMnn();
}

// Channel ranges from a spread subset: the factors only need each channel's order of
// magnitude, and the pass should stay small next to calibration.
constexpr size_t kEqualizationSamples = 64;

}  // namespace

void equalize(const RunContext& context, const RunSettings& settings, RunState& state) {
  Graph& graph = *state.graph;
  if (state.table) {  // scales_from: the table's factors, in the model's pair order
    int applied = 0;
    for (const auto& pair : findEqualizationPairs(graph))
      for (const auto& e : state.table->equalization)
        if (e.tensor == pair.tensor) {
          applyEqualization(graph, pair, e.factors);
          ++applied;
        }
    state.equalization = state.table->equalization;
    state.summary.equalized_pairs = applied;
    return;
  }
  const bool by_default = equalizeByDefault(*state.calibrator);
  const bool on = settings.cross_layer_equalization.value_or(by_default);
  const std::vector<EqualizationPair> pairs = findEqualizationPairs(graph);
  if (pairs.empty()) return;
  if (!on) {
    if (!settings.cross_layer_equalization) {
      state.equalization_off_note =
          std::to_string(pairs.size()) +
          " conv -> depthwise pair(s) left as they are: cross_layer_equalization is off by "
          "default with " + state.summary.feature_method +
          ", whose default run reproduces quantized.out; true may give finer int8 (see README)";
      state.summary.notes.push_back(state.equalization_off_note);
    }
    return;
  }
  std::set<int> ranged;
  for (const auto& pair : pairs) ranged.insert(pair.tensor);
  const std::vector<uint64_t> samples = spreadSamples(state.feed->count(), kEqualizationSamples);
  ChannelStatsMap ranges;
  {
    const Executor measuring(graph, state.exec_options);
    ranges = measureChannelStats(measuring, ranged, *state.feed, samples, context, "equalize");
  }
  int applied = 0;
  for (const auto& pair : pairs) {
    const auto found = ranges.find(pair.tensor);
    if (found == ranges.end() || found->second.max_abs.size() != static_cast<size_t>(pair.channels))
      continue;
    std::vector<float> factors = equalizationFactors(found->second.max_abs);
    applyEqualization(graph, pair, factors);
    state.equalization.push_back({pair.tensor, std::move(factors)});
    ++applied;
  }
  state.summary.equalized_pairs = applied;
  state.summary.phases.push_back({"equalize", state.watch.lap(), samples.size()});
}

}  // namespace mnnq::phases
