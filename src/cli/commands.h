// Subcommand registration.  Each Add* function declares its subcommands on the CLI11 app
// and records the action to run when that subcommand was parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

#include "cli/context.h"

namespace shardyfusion::cli {

// Returns the exit code; throws UsageError (2), anything else is a command failure (1).
using Action = std::function<int(CliContext&)>;
using CommandTable = std::vector<std::pair<CLI::App*, Action>>;

void AddLookupCommands(CLI::App& app, CommandTable& table);   // get, multiget, route
void AddInspectCommands(CLI::App& app, CommandTable& table);  // info, shards, health
void AddHistoryCommands(CLI::App& app, CommandTable& table);  // history, rollback
void AddCleanupCommand(CLI::App& app, CommandTable& table);
void AddExecCommand(CLI::App& app, CommandTable& table);
void AddBuildCommand(CLI::App& app, CommandTable& table);

// The interactive shell (no subcommand, stdin a terminal).
int RunRepl(CliContext& ctx);

}  // namespace shardyfusion::cli
