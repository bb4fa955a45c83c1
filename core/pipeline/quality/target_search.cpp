#include "target_search.hpp"

#include "float_ops.hpp"

#include <cstdio>

namespace mnnq {
namespace {

// A change must beat the current figure by more than float noise to count as help.
constexpr double kMinGain = 1e-6;

}  // namespace

GreedyResult leaveOpsFloatForTarget(const Graph& float_graph, const Executor& executor,
                                    const std::vector<int>& candidates,
                                    const std::set<std::string>& already_float,
                                    const VariantFactory& variants, const QualityEvaluator& evaluator,
                                    const QualityReport& start, double start_int8_share,
                                    const TargetOptions& options) {
  GreedyResult result;
  result.start = start;
  result.quality = start;
  result.int8_conv_mac_share = start_int8_share;
  const double min_share = 1.0 - options.max_float_conv_macs - 1e-12;
  if (start.score() >= options.target_cosine) {
    result.reached = true;
    result.stop_reason = "target reached without float ops";
    return result;
  }

  std::set<std::string> current = already_float;
  std::set<std::string> tried;  // ops rejected or passed over since the last ranking
  SensitivityResult ranking;
  bool fresh = false;
  SensitivityOptions rank_options;
  rank_options.threads = options.threads;
  rank_options.quiet = options.quiet;
  rank_options.progress = options.progress;
  auto rerank = [&] {
    std::vector<int> remaining;
    for (int op : candidates)
      if (!current.count(float_graph.op(op).name)) remaining.push_back(op);
    rank_options.phase = "target: rank ops (" + std::to_string(result.rankings + 1) + ")";
    ranking = rankOpSensitivity(float_graph, executor, remaining, current, variants, evaluator,
                                result.quality, rank_options);
    result.evaluations += static_cast<int>(remaining.size());
    ++result.rankings;
    tried.clear();
    fresh = true;
  };
  rerank();

  while (result.quality.score() < options.target_cosine) {
    const OpSensitivity* pick = nullptr;
    bool over_bound = false;
    for (const auto& row : ranking.ranked) {
      if (current.count(row.name) || tried.count(row.name)) continue;
      // The ranking's share is exact for a fresh ranking and a lower bound's estimate otherwise
      // (the trial below checks it exactly).
      if (row.int8_conv_mac_share < min_share) {
        over_bound = true;
        continue;
      }
      pick = &row;
      break;
    }
    if (!pick && !fresh) {
      rerank();
      continue;
    }
    if (!pick) {
      result.stop_reason = over_bound ? "every op that is left would take the float share of "
                                        "convolution MACs over max_float_conv_macs"
                                      : "no op is left to try";
      break;
    }
    std::set<std::string> trial = current;
    trial.insert(pick->name);
    QualityReport quality;
    double share = 1;
    if (fresh) {
      quality = pick->quality;
      share = pick->int8_conv_mac_share;
    } else {
      const Graph variant = variants.build(trial);
      share = int8ConvMacShare(float_graph, executor, variant.net());
      if (share < min_share) {
        tried.insert(pick->name);
        continue;
      }
      quality = evaluator.evaluate(variant, "");
      quality.source = start.source;
      quality.path = start.path;
      quality.in_sample = start.in_sample;
      ++result.evaluations;
    }
    const double before = result.quality.score();
    const double after = quality.score();
    if (after > before + kMinGain) {
      FloatChoice choice;
      choice.op = pick->name;
      choice.type = pick->type;
      choice.score_before = before;
      choice.score_after = after;
      choice.int8_conv_mac_share = share;
      result.choices.push_back(choice);
      result.float_ops.insert(pick->name);
      current = trial;
      result.quality = quality;
      result.int8_conv_mac_share = share;
      fresh = false;
      tried.clear();
      continue;
    }
    if (fresh) {
      result.stop_reason = "no op left within the bound improves the worst output";
      break;
    }
    rerank();
  }
  if (result.quality.score() >= options.target_cosine) {
    result.reached = true;
    result.stop_reason = "target reached";
  }
  return result;
}

nlohmann::json greedyJson(const GreedyResult& result) {
  nlohmann::json j;
  j["reached"] = result.reached;
  j["stop_reason"] = result.stop_reason;
  nlohmann::json choices = nlohmann::json::array();
  for (const auto& c : result.choices)
    choices.push_back({{"op", c.op},
                       {"type", c.type},
                       {"worst_cosine_mean_before", c.score_before},
                       {"worst_cosine_mean_after", c.score_after},
                       {"int8_conv_mac_share_after", c.int8_conv_mac_share}});
  j["ops_left_float"] = choices;
  j["int8_conv_mac_share"] = result.int8_conv_mac_share;
  j["rankings"] = result.rankings;
  j["evaluations"] = result.evaluations;
  return j;
}

}  // namespace mnnq
