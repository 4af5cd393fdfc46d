// "7d" / "24h" / "30m" / "90s" durations (cleanup --older-than).
#pragma once

#include <chrono>
#include <string>

namespace shardyfusion::cli {

// Throws UsageError for anything else (including negative amounts).
std::chrono::seconds ParseDuration(const std::string& text);

}  // namespace shardyfusion::cli
