// Phase scale_table: what the run's scale table (<output>.table.json, ../scale_table.hpp) says
// about the run besides the parameters: the float model's fingerprint, taken before
// equalisation edits the graph, and the config facts that decide the weights. With
// `scales_from` the table is read here and checked against them, so a table made for another
// model or other weight settings stops the run before anything is measured; its tensor entries
// are checked in calibrate, which then takes them instead of running the calibrator.
#include "phases.hpp"

#include "../equalization.hpp"

#include <filesystem>

namespace mnnq::phases {

void scaleTable(const RunContext& context, const RunSettings& settings, RunState& state) {
  const Graph& graph = *state.graph;
  ScaleTableHeader& header = state.table_header;
  header.model = std::filesystem::path(settings.model).filename().string();
  header.fingerprint = modelFingerprint(graph);
  std::vector<std::string> weight_keys;
  for (const auto& key : state.request.weight_quantizer->keys()) weight_keys.push_back(key.name);
  header.config = scaleTableConfig(state.request.config, weight_keys);
  if (settings.scales_from.empty()) return;

  Step step(context, "read scale table");
  ScaleTable& table = state.table.emplace();
  state.table_file = readScaleTableFile(settings.scales_from, graph, header, findEqualizationPairs(graph), table);
  RunSummary& summary = state.summary;
  summary.scales_from = settings.scales_from;
  const nlohmann::json& json = state.table_file->json;
  const bool table_means = json.contains("bias_correction") && !json["bias_correction"].empty();
  if (settings.bias_correction != table_means)
    summary.notes.push_back(std::string("bias_correction is ") + (settings.bias_correction ? "true" : "false") +
                            " in the config, but the scale table decides: its bias-correction means are " +
                            (table_means ? "applied" : "none"));
  if (settings.cross_layer_equalization && *settings.cross_layer_equalization != !table.equalization.empty())
    summary.notes.push_back(std::string("cross_layer_equalization is ") +
                            (*settings.cross_layer_equalization ? "true" : "false") +
                            " in the config, but the scale table decides: its equalisation factors are " +
                            (table.equalization.empty() ? "none" : "applied"));
  summary.phases.push_back({"read scale table", state.watch.lap(), 0});
  step.done();
}

}  // namespace mnnq::phases
