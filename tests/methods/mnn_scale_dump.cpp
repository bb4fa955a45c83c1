#include "mnn_scale_dump.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace mnnq::test {

std::map<int, DumpedScale> readScaleDump(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open scale dump");
  const auto dump = nlohmann::json::parse(in);
  std::map<int, DumpedScale> result;
  for (const auto& op : dump)
    for (const char* side : {"inputs", "outputs"}) {
      if (!op.contains(side)) continue;
      for (const auto& t : op[side]) {
        const int index = t.at("tensorIndex").get<int>();
        DumpedScale d;
        d.scale = t.at("scales").at(0).get<double>();
        d.zero = t.contains("zeropoint") ? t["zeropoint"].at(0).get<double>() : 0.0;
        auto it = result.find(index);
        if (it == result.end() || (it->second.scale == 0 && d.scale != 0)) result[index] = d;
      }
    }
  return result;
}

std::vector<ScaleDifference> compareScaleDumps(const std::map<int, DumpedScale>& ours,
                                               const std::map<int, DumpedScale>& mnn) {
  std::vector<ScaleDifference> out;
  for (const auto& kv : mnn) {
    auto it = ours.find(kv.first);
    if (it == ours.end() || !(kv.second.scale > 0) || !(it->second.scale > 0)) continue;
    ScaleDifference d;
    d.tensor = kv.first;
    d.ours = it->second.scale;
    d.mnn = kv.second.scale;
    d.relative = std::fabs(d.ours / d.mnn - 1.0);
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(),
            [](const ScaleDifference& a, const ScaleDifference& b) { return a.relative > b.relative; });
  return out;
}

double klThresholdBinOf(double scale, double abs_max, double clamp) {
  return scale * 2048.0 * clamp / abs_max - 0.5;
}

}  // namespace mnnq::test
