// Splits a REPL line into words like a POSIX shell (quotes and backslashes), no expansion.
#pragma once

#include <string>
#include <vector>

namespace shardyfusion::cli {

// Throws UsageError for an unterminated quote.
std::vector<std::string> ShellSplit(const std::string& line);

}  // namespace shardyfusion::cli
