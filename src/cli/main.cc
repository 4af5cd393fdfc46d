// shardy: command-line access to shardyfusion snapshots (features C-01..C-27).
//
// Exit codes: 0 ok; 1 not found with --strict, degraded health, or a failed command;
// 2 usage errors (flags, config files, scripts) and internal errors.  Every error is one
// line on stderr: {"op":..,"error":..} in json/jsonl output, "error: ..." otherwise.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/output.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"

#ifndef SHARDY_VERSION
#define SHARDY_VERSION "0.1.0"
#endif

namespace shardyfusion::cli {
namespace {

// The output format for errors raised while parsing the flags themselves.
std::string PrescanFormat(int argc, char** argv) {
  std::string format = "jsonl";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--output-format" && i + 1 < argc) format = argv[i + 1];
    if (arg.rfind("--output-format=", 0) == 0) format = arg.substr(16);
  }
  const bool known = format == "json" || format == "jsonl" || format == "table" || format == "text";
  return known ? format : "jsonl";
}

void AddGlobalOptions(CLI::App& app, GlobalFlags& f) {
  app.add_option(
         "--current-url", f.current_url,
         "URL of the _CURRENT pointer (s3://bucket/prefix/_CURRENT) or a local snapshot directory; "
         "default $SHARDY_CURRENT, then [reader].current_url")
      ->type_name("URL");
  app.add_option(
         "--config", f.config_path,
         "reader.toml (default $SHARDY_CONFIG, ./reader.toml, ~/.config/shardy/reader.toml)")
      ->type_name("PATH");
  app.add_option("--credentials", f.credentials_path,
                 "credentials.toml (default $SHARDY_CREDENTIALS, ./credentials.toml, "
                 "~/.config/shardy/credentials.toml)")
      ->type_name("PATH");
  app.add_option("--profile", f.profile,
                 "credentials.toml profile (default [reader].credentials_profile or 'default')");
  app.add_option(
         "--s3-option", f.s3_options,
         "S3 setting KEY=VALUE, repeatable: endpoint_url, region, addressing_style, verify_ssl, "
         "connect_timeout, read_timeout, max_attempts")
      ->type_name("K=V")
      ->allow_extra_args(false);  // one K=V per flag, so the command name is never swallowed
  app.add_option("--output-format", f.output_format,
                 "json | jsonl | table | text (default [output].format or jsonl)")
      ->check(CLI::IsMember({"json", "jsonl", "table", "text"}));
  app.add_option("--value-encoding", f.value_encoding,
                 "base64 | hex | utf8 (default [output].value_encoding or base64)")
      ->check(CLI::IsMember({"base64", "hex", "utf8"}));
  auto* ref = app.add_option("--ref", f.ref,
                             "Read this manifest instead of _CURRENT (never writes _CURRENT)");
  auto* offset = app.add_option("--offset", f.offset,
                                "Read the N-th newest manifest (0 = newest; never writes _CURRENT)")
                     ->type_name("N");
  ref->excludes(offset);
  offset->excludes(ref);
  app.add_option("--backend", f.backend,
                 "sqlite | slatedb: shard databases to build and read (default [reader].reader_backend "
                 "or sqlite)")
      ->check(CLI::IsMember({"sqlite", "slatedb"}));
  app.add_option("--sqlite-mode", f.sqlite_mode,
                 "download | range | auto (default [reader].sqlite_mode or auto)")
      ->check(CLI::IsMember({"download", "range", "auto"}));
  app.add_option("--sqlite-auto-per-shard-bytes", f.sqlite_auto_per_shard_bytes,
                 "auto mode: range reads when any shard is at least this big (default 16 MiB)")
      ->type_name("BYTES");
  app.add_option(
         "--sqlite-auto-total-bytes", f.sqlite_auto_total_bytes,
         "auto mode: range reads when all shards together are at least this big (default 2 GiB)")
      ->type_name("BYTES");
  app.add_option("--local-root", f.local_root, "Local shard cache / build scratch directory")
      ->type_name("DIR");
  app.add_flag("-v,--verbose", f.verbose, "Library log lines (info and up) on stderr");
}

int RunAction(const std::string& op, const Action& action, CliContext& ctx) {
  try {
    return action(ctx);
  } catch (const UsageError& e) {
    ctx.EmitError(op, e.what());
    return kExitUsage;
  } catch (const ShardyfusionError& e) {
    ctx.EmitError(op, e.what(), ctx.error_key);
    return kExitFailure;
  } catch (const std::runtime_error& e) {
    ctx.EmitError(op, e.what(), ctx.error_key);
    return kExitFailure;
  } catch (const std::exception& e) {
    ctx.EmitError(op, std::string("internal error: ") + e.what(), ctx.error_key);
    return kExitUsage;
  } catch (...) {
    ctx.EmitError(op, "internal error: unknown exception", ctx.error_key);
    return kExitUsage;
  }
}

int Main(int argc, char** argv) {
  CLI::App app(
      "shardy: read, inspect, roll back, clean up and build shardyfusion snapshots.\n"
      "With no command, an interactive shell starts when stdin is a terminal.",
      "shardy");
  app.fallthrough();  // global flags may also follow the command
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "shardy " SHARDY_VERSION);
  app.footer("Run 'shardy COMMAND --help' for a command's options.  Docs: docs/cli.md");
  GlobalFlags flags;
  AddGlobalOptions(app, flags);
  CommandTable table;
  AddLookupCommands(app, table);
  AddInspectCommands(app, table);
  AddHistoryCommands(app, table);
  AddCleanupCommand(app, table);
  AddExecCommand(app, table);
  AddBuildCommand(app, table);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << FormatError("usage", std::string(e.what()) + " (see shardy --help)", std::nullopt,
                             PrescanFormat(argc, argv))
              << std::endl;
    return kExitUsage;
  }

  if (flags.verbose) {
    ConfigureLogging({LogLevel::kInfo, false});
  } else if (std::getenv("SHARDY_LOG_LEVEL") == nullptr) {
    ConfigureLogging({LogLevel::kCritical, false});  // errors reach the user as our one line
  }

  CliContext ctx(flags);
  for (const auto& [sub, action] : table)
    if (sub->parsed()) return RunAction(sub->get_name(), action, ctx);

  if (::isatty(STDIN_FILENO) != 1) {
    std::cerr << app.help() << "error: no command given and stdin is not a terminal" << std::endl;
    return kExitUsage;
  }
  return RunAction("repl", RunRepl, ctx);
}

}  // namespace
}  // namespace shardyfusion::cli

int main(int argc, char** argv) {
  try {
    return shardyfusion::cli::Main(argc, argv);
  } catch (const std::exception& e) {  // last resort: still one line, never a trace
    std::cerr << "error: internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "error: internal error" << std::endl;
  }
  return shardyfusion::cli::kExitUsage;
}
