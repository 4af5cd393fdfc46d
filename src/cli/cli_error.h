// Exit codes and the two error kinds the CLI tells apart.
#pragma once

#include <stdexcept>
#include <string>

namespace shardyfusion::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // not found with --strict, degraded, command failed
inline constexpr int kExitUsage = 2;    // bad flags / config / input files, internal errors

// The user asked for something malformed (flag, config file, script): exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command ran and failed in a way the user should see as that command's error: exit 1.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace shardyfusion::cli
