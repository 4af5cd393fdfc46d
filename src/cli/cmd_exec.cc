// exec --script FILE [--output FILE] (feature C-21).
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/script.h"

namespace shardyfusion::cli {

void AddExecCommand(CLI::App& app, CommandTable& table) {
  struct Args {
    std::string script;
    std::string output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* exec =
      app.add_subcommand("exec", "Run a YAML script of reader commands; exit 1 if any failed");
  exec->add_option("--script", args->script,
                   "YAML file: {commands: [{op: get, key: 1}, ...], on_error: stop|continue}")
      ->required()
      ->type_name("FILE");
  exec->add_option("--output", args->output, "Write results to FILE instead of stdout")
      ->type_name("FILE");
  exec->footer(
      "Ops: get(key, routing_context), multiget(keys, routing_context), route(key), refresh, "
      "info,\n"
      "shards, health(staleness_threshold), history(limit).  json output becomes jsonl here.\n"
      "Example: shardy --current-url ./snap exec --script lookups.yaml --output results.jsonl");
  table.emplace_back(exec, [args](CliContext& ctx) {
    Script script = LoadScript(args->script);  // malformed scripts fail before any I/O
    std::string format = ctx.output().format == "json" ? "jsonl" : ctx.output().format;
    std::ofstream file;
    if (!args->output.empty()) {
      file.open(args->output, std::ios::out | std::ios::trunc);
      if (!file) throw UsageError("cannot write --output file " + args->output);
    }
    auto reader = ctx.OpenReader(ctx.global_pin());
    if (file.is_open()) ctx.set_out(&file);
    size_t failures = RunScript(script, ctx, *reader, format);
    ctx.set_out(&std::cout);
    if (file.is_open()) {
      file.close();
      if (!file) throw CommandError("writing " + args->output + " failed");
    }
    if (failures > 0) {
      std::cerr << "exec: " << failures << " command" << (failures == 1 ? "" : "s") << " failed\n";
      return kExitFailure;
    }
    return kExitOk;
  });
}

}  // namespace shardyfusion::cli
