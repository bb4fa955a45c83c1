// Issue 12 item 6: a run that ends far below a usable quality, or far below another method it
// tried, says so. The rule on hand-made outcomes (figures chosen on both sides of each bound).
#include "quality/quality_warnings.hpp"

#include <catch2/catch.hpp>

using namespace mnnq;

namespace {

QualityOutcome withWorst(double cosine) {
  QualityOutcome outcome;
  QualityReport q;
  q.source = "validation_path";
  q.samples = 5;
  OutputQuality a;
  a.name = "boxes";
  a.cosine_mean = a.cosine_mean_with_signal = cosine;  // no sample empty at int8 resolution
  OutputQuality b;
  b.name = "scores";
  b.cosine_mean = b.cosine_mean_with_signal = 0.9995;
  q.outputs = {a, b};
  outcome.quality = q;
  return outcome;
}

}  // namespace

TEST_CASE("quality warnings: a plain run below 0.98 names the worst output and what to do",
          "[pipeline][quality]") {
  const auto low = qualityWarnings(withWorst(0.9312));
  REQUIRE(low.size() == 1);
  CHECK_THAT(low[0], Catch::Contains("LOW QUALITY") && Catch::Contains("'boxes'") &&
                         Catch::Contains("0.9312") && Catch::Contains("5 held-out samples") &&
                         Catch::Contains("target_cosine"));
  CHECK(qualityWarnings(withWorst(0.9801)).empty());
  CHECK(qualityWarnings(QualityOutcome{}).empty());  // evaluation off: nothing to judge
}

TEST_CASE("quality warnings: a target run names a method far better than the configured one",
          "[pipeline][quality]") {
  QualityOutcome outcome = withWorst(0.90);
  outcome.target_run = true;
  outcome.methods = {{{"KL", false, false}, 0.90, 1.0},
                     {{"KL", true, true}, 0.905, 1.0},
                     {{"ADMM", false, false}, 0.992, 1.0}};
  const auto w = qualityWarnings(outcome);
  REQUIRE(w.size() == 1);  // no LOW QUALITY line: the target's own message covers a miss
  CHECK_THAT(w[0], Catch::Contains("KL reaches only 0.9000") && Catch::Contains("ADMM reaches 0.9920"));
  outcome.methods[2].score = 0.9099;  // within 0.01 of the configured method: nothing to say
  CHECK(qualityWarnings(outcome).empty());
}
