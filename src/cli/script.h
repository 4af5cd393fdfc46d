// `exec` scripts: a YAML mapping {commands: [{op: get, key: 1}, ...], on_error: stop|continue}
// (feature C-21; a top-level list, as the reference docs show, is rejected with a hint).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "cli/context.h"

namespace shardyfusion::cli {

struct Script {
  std::vector<YAML::Node> commands;
  bool stop_on_error = true;
};

// Throws UsageError for an unreadable or malformed file.
Script LoadScript(const std::string& path);

// Runs every command against `reader`, writing one result (or error result) per command
// to ctx.out() in `format`.  Returns the number of failed commands.
size_t RunScript(const Script& script, CliContext& ctx, ConcurrentShardedReader& reader,
                 const std::string& format);

}  // namespace shardyfusion::cli
