#include "mnnq/core/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace mnnq {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return fallback;
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

bool has(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && !j[key].is_null();
}

double num(const nlohmann::json& j, const char* key, double fallback = 0) {
  return has(j, key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// SVG coordinates with one decimal: short, and stable text for the same data.
std::string c1(double v) { return fixed(v, 1); }

const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#1d2329;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #d8dee4;padding:3px 8px;text-align:left}
th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#57606a;font-size:13px}svg{display:block;margin:8px 0;font-size:10px}
svg text{fill:#1d2329}.axis{stroke:#8c959f;stroke-width:1}.grid{stroke:#eaeef2;stroke-width:1}
.bar{fill:#3b82c4}.bar.neg{fill:#c9a227}.pt{fill:#3b82c4}.pt.out{fill:#d1242f}.hist{fill:#7fa7cf}
.clip{stroke:#d1242f;stroke-width:2;stroke-dasharray:4 3}.legend{font-size:12px}
)";

void summarySection(std::ostringstream& o, const nlohmann::json& s) {
  o << "<h2>Run</h2><table>";
  auto row = [&](const std::string& k, const std::string& v) {
    o << "<tr><th>" << esc(k) << "</th><td>" << esc(v) << "</td></tr>";
  };
  row("model", str(s, "model"));
  row("output", str(s, "output"));
  row("methods", "features " + str(s, "feature_quantize_method") + ", weights " + str(s, "weight_quantize_method"));
  if (has(s, "samples"))
    row("samples", str(s["samples"], "used") + " used of " + str(s["samples"], "total") + ", " +
                       str(s["samples"], "skipped") + " skipped");
  row("tensors", str(s, "tensors_quantized") + " quantized of " + str(s, "tensors_calibrated") + " calibrated");
  row("convolutions", str(s, "convolutions_quantized") + " int8");
  if (has(s, "total_seconds")) row("time", fixed(num(s, "total_seconds"), 2) + " s");
  if (has(s, "peak_rss_kb")) row("peak memory", fixed(num(s, "peak_rss_kb") / 1024.0, 1) + " MiB");
  o << "</table>";
  if (has(s, "ops_left_float") && !s["ops_left_float"].empty()) {
    o << "<p class=muted>ops left in float:</p><table><tr><th>op</th><th>type</th><th>reason</th></tr>";
    for (const auto& op : s["ops_left_float"])
      o << "<tr><td>" << esc(str(op, "op", str(op, "name"))) << "</td><td>" << esc(str(op, "type")) << "</td><td>"
        << esc(str(op, "reason")) << "</td></tr>";
    o << "</table>";
  }
  if (has(s, "notes") && !s["notes"].empty()) {
    o << "<ul class=muted>";
    for (const auto& n : s["notes"]) o << "<li>" << esc(n.is_string() ? n.get<std::string>() : n.dump()) << "</li>";
    o << "</ul>";
  }
}

void qualitySection(std::ostringstream& o, const nlohmann::json& q) {
  o << "<h2>Quality of the written model (int8 against float)</h2>";
  if (!q.is_object()) {
    o << "<p class=muted>Not measured in this run.</p>";
    return;
  }
  o << "<p class=muted>" << esc(str(q, "samples")) << " samples from " << esc(str(q, "source"))
    << (q.value("in_sample", false) ? " (calibration samples: in-sample, optimistic)" : "") << "</p>";
  o << "<table><tr><th>output</th><th>shape</th><th>cosine mean</th><th>cosine min</th><th>worst sample</th>"
       "<th>relative L2 mean</th><th>top-1 agreement</th></tr>";
  if (has(q, "outputs"))
    for (const auto& [name, out] : q["outputs"].items())
      o << "<tr><td>" << esc(name) << "</td><td>" << esc(str(out, "shape")) << "</td><td class=n>"
        << fixed(num(out, "cosine_mean"), 4) << "</td><td class=n>" << fixed(num(out, "cosine_min"), 4)
        << "</td><td>" << esc(str(out, "worst_sample")) << "</td><td class=n>" << fixed(num(out, "rel_l2_mean"), 4)
        << "</td><td class=n>" << (has(out, "top1_agreement") ? fixed(num(out, "top1_agreement"), 3) : "&ndash;")
        << "</td></tr>";
  o << "</table>";
}

// Horizontal bars: one per op, the worst-output cosine gained by leaving that op in float.
void sensitivitySection(std::ostringstream& o, const nlohmann::json& sens) {
  o << "<h2>Per-op sensitivity</h2>";
  if (!sens.is_object() || !has(sens, "ops") || sens["ops"].empty()) {
    o << "<p class=muted>Not measured in this run (key <code>sensitivity: true</code>).</p>";
    return;
  }
  const auto& ops = sens["ops"];
  double span = 1e-6;
  for (const auto& op : ops) span = std::max(span, std::fabs(num(op, "gain")));
  const double left = 260, width = 560, row = 16, top = 24;
  const double height = top + row * ops.size() + 24;
  const double zero = left + width / 2;
  o << "<p class=muted>Gain of the worst output's mean cosine when the op alone stays in float "
       "(baseline " << fixed(num(sens, "baseline_worst_cosine_mean"), 4) << ").</p>";
  o << "<svg role=img aria-label='per-op sensitivity' width='" << c1(left + width + 90) << "' height='" << c1(height)
    << "' viewBox='0 0 " << c1(left + width + 90) << " " << c1(height) << "'>";
  o << "<line class=axis x1='" << c1(zero) << "' y1='" << c1(top - 6) << "' x2='" << c1(zero) << "' y2='"
    << c1(height - 20) << "'/>";
  o << "<text x='" << c1(zero) << "' y='12' text-anchor=middle>0</text>";
  o << "<text x='" << c1(zero + width / 2) << "' y='12' text-anchor=end>+" << fixed(span, 4) << "</text>";
  o << "<text x='" << c1(zero - width / 2) << "' y='12'>-" << fixed(span, 4) << "</text>";
  for (size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    const double gain = num(op, "gain");
    const double w = std::fabs(gain) / span * (width / 2);
    const double y = top + row * i;
    const double x = gain >= 0 ? zero : zero - w;
    o << "<text x='" << c1(left - 6) << "' y='" << c1(y + 11) << "' text-anchor=end>" << esc(str(op, "op")) << " ("
      << esc(str(op, "type")) << ")" << (op.value("produces_model_output", false) ? " &#9679;" : "") << "</text>";
    o << "<rect class='mark bar" << (gain < 0 ? " neg" : "") << "' data-chart=sensitivity x='" << c1(x) << "' y='"
      << c1(y + 2) << "' width='" << c1(std::max(w, 0.5)) << "' height='" << c1(row - 4) << "'><title>"
      << esc(str(op, "op")) << " (" << esc(str(op, "type")) << "): gain " << fixed(gain, 5)
      << ", worst cosine " << fixed(num(op, "worst_cosine_mean"), 4) << "</title></rect>";
    o << "<text x='" << c1(left + width + 4) << "' y='" << c1(y + 11) << "'>" << fixed(gain, 4) << "</text>";
  }
  o << "</svg><p class=legend>&#9679; the op produces a model output</p>";
  if (has(sens, "skip_quant_op_names") && !sens["skip_quant_op_names"].empty())
    o << "<p>Suggested <code>skip_quant_op_names</code>: <code>" << esc(sens["skip_quant_op_names"].dump())
      << "</code></p>";
}

// Points along the execution order: cosine of each quantized tensor against float (debug
// report), model outputs in red.
void tensorErrorSection(std::ostringstream& o, const nlohmann::json& rows) {
  o << "<h2>Per-tensor error along the graph</h2>";
  if (!rows.is_array() || rows.empty()) {
    o << "<p class=muted>Not measured in this run (key <code>debug: true</code> or "
         "<code>html_report: true</code>).</p>";
    return;
  }
  double lo = 1.0;
  for (const auto& r : rows) lo = std::min(lo, num(r, "cosine", 1.0));
  lo = std::max(-1.0, std::floor((lo - 0.005) * 100) / 100);
  if (lo >= 1.0) lo = 0.99;
  const double left = 56, top = 16, plotH = 220, n = static_cast<double>(rows.size());
  const double step = std::max(8.0, std::min(24.0, 900.0 / n));
  const double plotW = step * n;
  const double labelH = 150, height = top + plotH + labelH;
  auto yOf = [&](double c) { return top + (1.0 - c) / (1.0 - lo) * plotH; };
  o << "<p class=muted>Cosine between the float tensor and its fake-quantized value (errors accumulate through "
       "the network), in execution order; op name and type below each point; model outputs in red.</p>";
  o << "<div style='overflow-x:auto'><svg role=img aria-label='per-tensor error' width='" << c1(left + plotW + 140)
    << "' height='" << c1(height) << "'>";
  for (int k = 0; k <= 4; ++k) {
    const double c = lo + (1.0 - lo) * k / 4.0;
    o << "<line class=grid x1='" << c1(left) << "' x2='" << c1(left + plotW) << "' y1='" << c1(yOf(c)) << "' y2='"
      << c1(yOf(c)) << "'/><text x='" << c1(left - 4) << "' y='" << c1(yOf(c) + 3) << "' text-anchor=end>"
      << fixed(c, 3) << "</text>";
  }
  o << "<line class=axis x1='" << c1(left) << "' x2='" << c1(left) << "' y1='" << c1(top) << "' y2='"
    << c1(top + plotH) << "'/>";
  std::string path;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double x = left + step * (i + 0.5), y = yOf(num(rows[i], "cosine", 1.0));
    path += (i ? " L" : "M") + c1(x) + " " + c1(y);
  }
  o << "<path d='" << path << "' fill='none' stroke='#9fb8d0' stroke-width='1'/>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const bool out = r.value("is_output", false);
    const double x = left + step * (i + 0.5), y = yOf(num(r, "cosine", 1.0));
    o << "<circle class='mark pt" << (out ? " out" : "") << "' data-chart=tensor-error cx='" << c1(x) << "' cy='"
      << c1(y) << "' r='" << (out ? "4.5" : "3") << "'><title>" << esc(str(r, "tensor")) << " = " << esc(str(r, "op"))
      << " (" << esc(str(r, "type")) << ")" << (out ? ", model output" : "") << ": cosine "
      << fixed(num(r, "cosine"), 5) << ", SQNR " << fixed(num(r, "sqnr_db"), 1) << " dB, overflow "
      << fixed(100 * num(r, "overflow_ratio"), 3) << " %</title></circle>";
    o << "<text transform='translate(" << c1(x + 3) << " " << c1(top + plotH + 6) << ") rotate(60)' font-size='"
      << (step < 12 ? "7" : "9") << "'" << (out ? " font-weight=bold" : "") << ">" << esc(str(r, "op")) << " "
      << esc(str(r, "type")) << "</text>";
  }
  o << "</svg></div>";
}

// Histograms of the float values of the worst tensors, with the range int8 represents.
void histogramSection(std::ostringstream& o, const nlohmann::json& hists) {
  o << "<h2>Worst tensors: value histograms and the chosen range</h2>";
  if (!hists.is_array() || hists.empty()) {
    o << "<p class=muted>Not measured in this run (key <code>html_report: true</code>).</p>";
    return;
  }
  for (size_t k = 0; k < hists.size(); ++k) {
    const auto& h = hists[k];
    const auto& counts = h["counts"];
    const double lo = num(h, "lo"), hi = num(h, "hi");
    const double left = 48, top = 10, plotW = 640, plotH = 140;
    double peak = 1;
    for (const auto& c : counts) peak = std::max(peak, c.get<double>());
    const double logPeak = std::log10(peak + 1);
    const double bw = plotW / std::max<size_t>(counts.size(), 1);
    auto xOf = [&](double v) { return left + (hi > lo ? (v - lo) / (hi - lo) : 0.5) * plotW; };
    o << "<h3 style='font-size:14px'>" << esc(str(h, "tensor")) << " &mdash; " << esc(str(h, "op")) << " ("
      << esc(str(h, "type")) << "), cosine " << fixed(num(h, "cosine"), 4) << "</h3>";
    o << "<svg role=img aria-label='histogram of " << esc(str(h, "tensor")) << "' width='" << c1(left + plotW + 20)
      << "' height='" << c1(top + plotH + 30) << "'>";
    o << "<line class=axis x1='" << c1(left) << "' x2='" << c1(left + plotW) << "' y1='" << c1(top + plotH)
      << "' y2='" << c1(top + plotH) << "'/>";
    for (size_t b = 0; b < counts.size(); ++b) {
      const double c = counts[b].get<double>();
      if (c <= 0) continue;
      const double bh = std::log10(c + 1) / logPeak * plotH;
      o << "<rect class='mark hist' data-chart='histogram-" << k << "' x='" << c1(left + b * bw) << "' y='"
        << c1(top + plotH - bh) << "' width='" << c1(std::max(bw - 0.3, 0.3)) << "' height='" << c1(bh) << "'><title>["
        << fixed(lo + (hi - lo) * b / counts.size(), 4) << ", " << fixed(lo + (hi - lo) * (b + 1) / counts.size(), 4)
        << "): " << static_cast<long long>(c) << "</title></rect>";
    }
    if (has(h, "range") && h["range"].size() == 2) {
      for (int side = 0; side < 2; ++side) {
        const double v = h["range"][side].get<double>();
        const double x = std::min(left + plotW, std::max(left, xOf(v)));
        o << "<line class=clip x1='" << c1(x) << "' x2='" << c1(x) << "' y1='" << c1(top) << "' y2='"
          << c1(top + plotH) << "'><title>int8 range " << (side ? "high " : "low ") << fixed(v, 4) << "</title></line>";
      }
    }
    o << "<text x='" << c1(left) << "' y='" << c1(top + plotH + 14) << "'>" << fixed(lo, 3) << "</text>";
    o << "<text x='" << c1(left + plotW) << "' y='" << c1(top + plotH + 14) << "' text-anchor=end>" << fixed(hi, 3)
      << "</text></svg>";
    o << "<p class=legend>Counts on a log scale; dashed red lines: the range the int8 codes cover "
      << (has(h, "range") ? "[" + fixed(h["range"][0].get<double>(), 4) + ", " + fixed(h["range"][1].get<double>(), 4) + "]"
                          : std::string("(none)"))
      << "; values outside are clipped.</p>";
  }
}

}  // namespace

std::string htmlReport(const nlohmann::json& report) {
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& summary = has(report, "summary") ? report["summary"] : empty;
  std::ostringstream o;
  o << "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><meta name=viewport "
       "content='width=device-width,initial-scale=1'><title>mnnq report: "
    << esc(str(summary, "output")) << "</title><style>" << kStyle << "</style></head><body>";
  o << "<h1>mnnq quantization report</h1><p class=muted>" << esc(str(summary, "model")) << " &rarr; "
    << esc(str(summary, "output")) << "</p>";
  summarySection(o, summary);
  qualitySection(o, has(report, "quality") ? report["quality"] : nlohmann::json());
  sensitivitySection(o, has(report, "sensitivity") ? report["sensitivity"] : nlohmann::json());
  tensorErrorSection(o, has(report, "tensor_error") ? report["tensor_error"] : nlohmann::json());
  histogramSection(o, has(report, "histograms") ? report["histograms"] : nlohmann::json());
  o << "<p class=muted>Written by mnnq; no scripts, no external resources.</p></body></html>\n";
  return o.str();
}

}  // namespace mnnq
