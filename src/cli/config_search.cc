#include "cli/config_search.h"

#include <cstdlib>
#include <filesystem>

#include "cli/cli_error.h"

namespace shardyfusion::cli {

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::optional<std::string> FindConfigFile(const std::string& explicit_path, const char* env_var,
                                          const std::string& file_name) {
  namespace fs = std::filesystem;
  std::string named = explicit_path;
  std::string origin = "given";
  if (named.empty()) {
    named = GetEnv(env_var);
    origin = std::string("named by $") + env_var;
  }
  if (!named.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(named, ec))
      throw UsageError("config file " + origin + " not found: " + named);
    return named;
  }
  std::error_code ec;
  if (fs::is_regular_file(file_name, ec)) return file_name;
  std::string home = GetEnv("HOME");
  if (!home.empty()) {
    std::string candidate = home + "/.config/shardy/" + file_name;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

}  // namespace shardyfusion::cli
