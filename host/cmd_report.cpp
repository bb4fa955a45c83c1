// `mnnq report REPORT_JSON [--output HTML]`: renders a run's `<output>.report.json` as the
// self-contained HTML page `html_report: true` writes (core/pipeline/html_report.cpp).
#include "command.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/html_report.hpp"
#include "mnnq/core/output_set.hpp"

#include <boost/filesystem.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace mnnq::cli {

int reportMain(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("output,o", po::value<std::string>(),
                        "HTML file to write (default: REPORT_JSON with .json replaced by .html)");
  po::options_description hidden;
  hidden.add_options()("report", po::value<std::string>(), "report JSON");
  po::positional_options_description positional;
  positional.add("report", 1);
  auto vm = parseCommandLine("report", "mnnq report REPORT_JSON [--output HTML]", args, options, &positional, &hidden);
  if (!vm) return kExitOk;
  if (!vm->count("report")) throw UsageError("missing REPORT_JSON (a run's <output>.report.json)");
  const std::string in = (*vm)["report"].as<std::string>();
  std::ifstream file(in, std::ios::binary);
  if (!file) throw ConfigError(in + ": cannot open the report");
  std::ostringstream text;
  text << file.rdbuf();
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(in + ": not valid JSON: " + e.what());
  }
  if (!report.is_object() || report.value("schema", "") != "mnnq-report")
    throw ConfigError(in + ": not an mnnq report (no \"schema\": \"mnnq-report\")");
  std::string out;
  if (vm->count("output")) {
    out = (*vm)["output"].as<std::string>();
  } else {
    boost::filesystem::path p(in);
    out = (p.extension() == ".json" ? p.replace_extension(".html") : boost::filesystem::path(in + ".html")).string();
  }
  // Through OutputSet: a unique temporary file (a fixed "<out>.tmp" name would follow a planted
  // symlink), removed on errors and signals; a replaced report keeps its permissions.
  OutputSet set;
  set.add(out, htmlReport(report));
  set.publish();
  std::cout << "wrote " << out << "\n";
  return kExitOk;
}

}  // namespace mnnq::cli
