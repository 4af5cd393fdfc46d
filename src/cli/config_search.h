// Locating config files: flag, then environment, then the working directory, then
// ~/.config/shardy/.
#pragma once

#include <optional>
#include <string>

namespace shardyfusion::cli {

// The file to read, or nullopt when none exists.  An explicit path (flag or `env_var`)
// that does not exist is a UsageError.
std::optional<std::string> FindConfigFile(const std::string& explicit_path, const char* env_var,
                                          const std::string& file_name);

// Empty when the variable is unset or empty.
std::string GetEnv(const char* name);

}  // namespace shardyfusion::cli
