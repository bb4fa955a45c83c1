// "Did you mean ...?" for unknown keys, method names and commands.
#pragma once

#include <string>
#include <vector>

namespace mnnq {

// Levenshtein distance, case-insensitive.
size_t editDistance(const std::string& a, const std::string& b);
// The candidate closest to `word`, or "" when none is close enough to be a plausible typo
// (distance at most max(2, length/3)).
std::string closestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace mnnq
