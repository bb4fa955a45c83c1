// The HTML report in a real browser: Debian's chromium, headless, loads the page written by
// `mnnq report`, and the test checks that the page logs nothing to the console, that every chart
// holds one mark per data item of the report (counted in the DOM chromium built, each mark a
// direct child of its <svg>), and saves a screenshot in the build folder. Skipped, with the
// reason, only where chromium cannot start.
#include "cli_runner.hpp"
#include "fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

using namespace mnnq::test;

namespace {

const char* kChromiumFlags =
    " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
    " --disable-component-update --disable-sync --enable-logging=stderr --v=0";

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    CommandResult r = runShell(std::string("command -v ") + name);
    if (r.status == 0) return name;
  }
  return "";
}

// Runs chromium on a file with a fresh profile; `what` is --dump-dom or --screenshot=...
CommandResult browse(const std::string& browser, const std::string& html, const std::string& what) {
  static int profile = 0;
  const std::string dir = tempDir("chromium-profile-" + std::to_string(profile++));
  return runShell("timeout 120 " + browser + kChromiumFlags + " --user-data-dir=" + shellQuote(dir) + " " + what +
                  " " + shellQuote("file://" + html));
}

void requireBrowser(const std::string& browser) {
  if (browser.empty()) {
    std::cerr << "SKIPPED: chromium is not installed (scripts/setup.sh installs it)\n";
    std::exit(77);
  }
  const std::string blank = tempDir("chromium-probe") + "/blank.html";
  std::ofstream(blank) << "<!DOCTYPE html><title>probe</title><p>probe</p>";
  CommandResult probe = browse(browser, blank, "--dump-dom");
  if (probe.status != 0 || probe.out.find("<p>probe</p>") == std::string::npos) {
    std::cerr << "SKIPPED: chromium cannot start here (status " << probe.status << "): "
              << probe.err.substr(0, 400) << "\n";
    std::exit(77);
  }
}

// Console messages chromium logged for the page (its --enable-logging lines "...:CONSOLE...").
std::vector<std::string> consoleLines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find(":CONSOLE") != std::string::npos) lines.push_back(line);
  return lines;
}

// Marks per data-chart in a serialised DOM, and the tag of each mark's parent element.
struct Marks {
  std::map<std::string, int> count;
  std::map<std::string, int> outside_svg;  // marks whose parent is not the <svg>
};

Marks countMarks(const std::string& dom) {
  Marks marks;
  std::vector<std::string> stack;
  static const std::regex tag(R"re(<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/?)>)re");
  static const std::regex chart(R"re(data-chart="([^"]+)")re");
  static const std::set<std::string> voids{"meta", "br", "img", "input", "link", "hr", "col", "wbr"};
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    const std::string attrs = (*it)[3];
    if ((*it)[1] == "/") {
      while (!stack.empty() && stack.back() != name) stack.pop_back();
      if (!stack.empty()) stack.pop_back();
      continue;
    }
    std::smatch m;
    if (attrs.find("class=\"mark") != std::string::npos && std::regex_search(attrs, m, chart)) {
      ++marks.count[m[1]];
      if (stack.empty() || stack.back() != "svg") ++marks.outside_svg[m[1]];
    }
    if ((*it)[4] != "/" && !voids.count(name)) stack.push_back(name);
  }
  return marks;
}

nlohmann::json handMadeReport() {
  // Data of known size: 3 sensitivity ops, 7 tensors along the graph (the last an output),
  // two histograms with 6 and 4 non-empty bins (empty bins draw no bar).
  nlohmann::json r;
  r["schema"] = "mnnq-report";
  r["version"] = 1;
  r["summary"] = {{"model", "float.mnn"}, {"output", "int8.mnn"}, {"feature_quantize_method", "KL"},
                  {"weight_quantize_method", "MAX_ABS"}, {"samples", {{"total", 8}, {"used", 8}, {"skipped", 0}}},
                  {"tensors_calibrated", 7}, {"tensors_quantized", 7}, {"convolutions_quantized", 3},
                  {"total_seconds", 1.5}, {"peak_rss_kb", 50000}, {"ops_left_float", nlohmann::json::array()},
                  {"notes", {"<script>console.error('not run')</script> is text here"}}};
  r["quality"] = {{"source", "calibration"}, {"samples", 8}, {"in_sample", true},
                  {"outputs", {{"prob", {{"shape", {1, 10}}, {"cosine_mean", 0.995}, {"cosine_min", 0.99},
                                         {"worst_sample", "a.jpg"}, {"rel_l2_mean", 0.08}, {"top1_agreement", 1.0}}}}}};
  r["sensitivity"] = {{"baseline_worst_cosine_mean", 0.99}, {"skip_quant_op_names", {"c1"}},
                      {"ops", {{{"op", "c1"}, {"type", "Convolution"}, {"gain", 0.004}},
                               {{"op", "c2"}, {"type", "ConvolutionDepthwise"}, {"gain", 0.001}},
                               {{"op", "fc"}, {"type", "Convolution"}, {"gain", -0.0005}, {"produces_model_output", true}}}}};
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 7; ++i)
    rows.push_back({{"tensor", "t" + std::to_string(i)}, {"op", "op" + std::to_string(i)}, {"type", "Convolution"},
                    {"is_output", i == 6}, {"cosine", 1.0 - 0.002 * i}, {"overflow_ratio", 0.0}, {"sqnr_db", 30 - i}});
  r["tensor_error"] = rows;
  r["histograms"] = {{{"tensor", "t6"}, {"op", "op6"}, {"type", "Convolution"}, {"cosine", 0.988}, {"lo", -4.0},
                      {"hi", 4.0}, {"counts", {0, 3, 10, 50, 200, 40, 5, 1}}, {"range", {-2.0, 2.0}}},
                     {{"tensor", "t5"}, {"op", "op5"}, {"type", "Convolution"}, {"cosine", 0.99}, {"lo", 0.0},
                      {"hi", 6.0}, {"counts", {100, 0, 20, 0, 3, 1}}, {"range", {0.0, 5.0}}}};
  return r;
}

}  // namespace

TEST_CASE("chromium: a page that logs to the console is caught (the check can fail)") {
  const std::string browser = chromium();
  requireBrowser(browser);
  const std::string page = tempDir("console") + "/noisy.html";
  std::ofstream(page) << "<!DOCTYPE html><title>noisy</title><script>console.error('boom')</script>";
  CommandResult r = browse(browser, page, "--dump-dom");
  CHECK(r.status == 0);
  CHECK(consoleLines(r.err).size() == 1);
}

TEST_CASE("the HTML report renders in chromium with one mark per data item") {
  const std::string browser = chromium();
  requireBrowser(browser);
  const std::string dir = tempDir("html_report");
  const std::string json = dir + "/run.report.json";
  std::ofstream(json) << handMadeReport().dump(1);
  CommandResult render = runShell(shellQuote(MNNQ_EXE) + " report " + shellQuote(json));
  INFO(render.err);
  REQUIRE(render.status == 0);
  const std::string html = dir + "/run.report.html";
  const std::string page = readWhole(html);
  // Self-contained and script-free: nothing is fetched, nothing runs.
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("href=") == std::string::npos);

  CommandResult dom = browse(browser, html, "--dump-dom");
  REQUIRE(dom.status == 0);
  CHECK(consoleLines(dom.err).empty());
  const Marks marks = countMarks(dom.out);
  CHECK(marks.count.at("sensitivity") == 3);
  CHECK(marks.count.at("tensor-error") == 7);
  CHECK(marks.count.at("histogram-0") == 7);  // 8 bins, one empty
  CHECK(marks.count.at("histogram-1") == 4);  // 6 bins, two empty
  CHECK(marks.outside_svg.empty());
  // The escaped note stayed text.
  CHECK(dom.out.find("&lt;script&gt;console.error") != std::string::npos);

  const std::string shot = std::string(MNNQ_BUILD_DIR) + "/report_screenshot.png";
  std::remove(shot.c_str());
  CommandResult screenshot = browse(browser, html, "--window-size=1200,1800 --screenshot=" + shellQuote(shot));
  CHECK(screenshot.status == 0);
  const std::string png = readWhole(shot);
  REQUIRE(png.size() > 10000);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
}

// A real run: mnist with html_report: true. One point per quantized tensor (the summary's
// count, from the rewrite), histograms of the worst four, the chosen range inside each chart.
TEST_CASE("html_report: true on mnist writes a page chromium renders with the run's counts") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string browser = chromium();
  requireBrowser(browser);
  const std::string dir = tempDir("html_run");
  std::ifstream in(fixture("configs/mnist.json"));
  nlohmann::json config = nlohmann::json::parse(in);
  config["model"] = fixture("models/mnist_lenet/mnist.mnn");
  config["path"] = fixture("images/calib32");
  config["html_report"] = true;
  std::ofstream(dir + "/cfg.json") << config.dump();
  CommandResult run = runShell(shellQuote(MNNQ_EXE) + " run -q --config " + shellQuote(dir + "/cfg.json") +
                               " --output " + shellQuote(dir + "/q.mnn"));
  INFO(run.err);
  REQUIRE(run.status == 0);
  // MNN's own KL file for mnist carries quant info on 7 tensors; mnnq quantizes all 9 float
  // tensors LeNet has (inspect of the written file counts them independently of the run).
  CommandResult inspect = runShell(shellQuote(MNNQ_EXE) + " inspect --json " + shellQuote(dir + "/q.mnn"));
  REQUIRE(inspect.status == 0);
  const int quantized = nlohmann::json::parse(inspect.out)["quantization"]["tensors_with_quant_info"].get<int>();
  CommandResult dom = browse(browser, dir + "/q.mnn.report.html", "--dump-dom");
  REQUIRE(dom.status == 0);
  CHECK(consoleLines(dom.err).empty());
  const Marks marks = countMarks(dom.out);
  CHECK(marks.count.at("tensor-error") == quantized);
  for (int k = 0; k < 4; ++k) CHECK(marks.count.at("histogram-" + std::to_string(k)) > 0);
  CHECK(marks.count.count("histogram-4") == 0);
  CHECK(marks.outside_svg.empty());
  const std::string shot = std::string(MNNQ_BUILD_DIR) + "/report_screenshot_mnist.png";
  CommandResult screenshot = browse(browser, dir + "/q.mnn.report.html",
                                    "--window-size=1200,2600 --screenshot=" + shellQuote(shot));
  CHECK(screenshot.status == 0);
  CHECK(readWhole(shot).size() > 10000);
}
