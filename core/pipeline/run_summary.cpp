#include "run_summary.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <map>
#include <sstream>

namespace mnnq {
namespace {

// What a phase's `items` count, by phase name (the phases are named in pipeline/run.cpp).
const char* phaseUnit(const std::string& phase) {
  auto starts = [&](const char* prefix) { return phase.rfind(prefix, 0) == 0; };
  if (starts("calibrate") || starts("equalize") || starts("debug") || starts("bias correction"))
    return "samples";
  if (starts("compute scales") || starts("check scale table")) return "tensors";
  if (starts("quantize weights")) return "convolutions";
  return "items";
}

}  // namespace

long peakRssKb() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

nlohmann::json RunSummary::toJson() const {
  nlohmann::json j;
  j["model"] = model;
  j["output"] = output;
  j["feature_quantize_method"] = feature_method;
  j["weight_quantize_method"] = weight_method;
  j["scales_from"] = scales_from.empty() ? nlohmann::json(nullptr) : nlohmann::json(scales_from);
  j["samples"] = {{"total", samples_total}, {"used", samples_used}, {"skipped", skipped.size()}};
  nlohmann::json skipped_list = nlohmann::json::array();
  for (const auto& s : skipped) skipped_list.push_back({{"sample", s.name}, {"reason", s.reason}});
  j["skipped_samples"] = skipped_list;
  j["tensors_calibrated"] = tensors_calibrated;
  j["tensors_quantized"] = tensors_quantized;
  j["tensors_without_params"] = tensors_without_params;
  j["convolutions_quantized"] = rewrite.convolutions_quantized;
  j["unary_tables"] = rewrite.unary_tables;
  j["activations_folded"] = rewrite.activations_folded;
  j["biases_corrected"] = rewrite.biases_corrected;
  j["equalized_pairs"] = equalized_pairs;
  nlohmann::json left = nlohmann::json::array();
  for (const auto& op : rewrite.left_float)
    left.push_back({{"op", op.name}, {"type", op.type}, {"reason", op.reason}});
  j["ops_left_float"] = left;
  nlohmann::json phase_list = nlohmann::json::array();
  for (const auto& p : phases)
    phase_list.push_back({{"phase", p.phase}, {"seconds", p.seconds}, {"items", p.items}, {"unit", phaseUnit(p.phase)}});
  j["phases"] = phase_list;
  j["total_seconds"] = total_seconds;
  j["peak_rss_kb"] = peak_rss_kb;
  j["notes"] = notes;
  for (const auto& [key, value] : quality_json.items()) j[key] = value;
  return j;
}

std::string RunSummary::toTable() const {
  std::ostringstream out;
  char line[512];
  out << "\nmnnq summary\n";
  auto row = [&](const char* key, const std::string& value) {
    std::snprintf(line, sizeof line, "  %-24s %s\n", key, value.c_str());
    out << line;
  };
  row("model", model);
  row("output", output);
  row("methods", (scales_from.empty() ? "features " + feature_method : "features from scale table " + scales_from) +
                     ", weights " + weight_method);
  if (scales_from.empty())
    row("samples", std::to_string(samples_used) + " used of " + std::to_string(samples_total) +
                       (skipped.empty() ? "" : ", " + std::to_string(skipped.size()) + " skipped"));
  else
    row("samples", "none calibrated (parameters from the scale table), " + std::to_string(samples_total) +
                       " available");
  row("tensors", std::to_string(tensors_quantized) + " quantized of " +
                     std::to_string(tensors_calibrated) + " calibrated");
  row("convolutions", std::to_string(rewrite.convolutions_quantized) + " int8");
  if (rewrite.unary_tables) row("unary lookup tables", std::to_string(rewrite.unary_tables));
  if (equalized_pairs)
    row("equalized", std::to_string(equalized_pairs) +
                         " conv -> depthwise pairs (same float model, even channel ranges)");
  if (rewrite.biases_corrected)
    row("bias correction", std::to_string(rewrite.biases_corrected) +
                               " convolution biases corrected for the weights' rounding error");
  if (rewrite.activations_folded)
    row("activations folded", std::to_string(rewrite.activations_folded) + " ReLU/ReLU6 into convolutions");
  if (!rewrite.left_float.empty()) {
    // Group by reason so a model with 40 skipped layers stays readable.
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const auto& op : rewrite.left_float) by_reason[op.type + ": " + op.reason].push_back(op.name);
    out << "  ops left in float:\n";
    for (const auto& [reason, names] : by_reason) {
      std::string list;
      for (size_t i = 0; i < names.size() && i < 4; ++i) list += (i ? ", " : "") + names[i];
      if (names.size() > 4) list += ", ... (" + std::to_string(names.size()) + ")";
      std::snprintf(line, sizeof line, "    %-48s %s\n", reason.c_str(), list.c_str());
      out << line;
    }
  }
  if (!tensors_without_params.empty()) {
    out << "  tensors left without parameters: " << tensors_without_params.size() << "\n";
    for (size_t i = 0; i < tensors_without_params.size() && i < 5; ++i)
      out << "    " << tensors_without_params[i] << "\n";
  }
  out << quality_table;
  out << "  time:\n";
  for (const auto& p : phases) {
    const double rate = p.seconds > 0 && p.items ? p.items / p.seconds : 0.0;
    if (rate > 0)
      std::snprintf(line, sizeof line, "    %-26s %8.2f s  %8.1f %s/s\n", p.phase.c_str(), p.seconds, rate,
                    phaseUnit(p.phase));
    else
      std::snprintf(line, sizeof line, "    %-26s %8.2f s\n", p.phase.c_str(), p.seconds);
    out << line;
  }
  std::snprintf(line, sizeof line, "    %-26s %8.2f s\n", "total", total_seconds);
  out << line;
  std::snprintf(line, sizeof line, "  %-24s %.1f MiB\n", "peak memory", peak_rss_kb / 1024.0);
  out << line;
  for (const auto& note : notes) out << "  note: " << note << "\n";
  return out.str();
}

}  // namespace mnnq
