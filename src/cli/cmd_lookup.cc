// get / multiget / route (features C-11, C-12, C-16).
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/key_coercion.h"
#include "cli/ops.h"

namespace shardyfusion::cli {
namespace {

struct LookupArgs {
  std::string key;
  std::vector<std::string> keys;
  std::vector<std::string> routing_context;
  bool strict = false;
};

void AddRoutingContextOption(CLI::App* sub, LookupArgs& args) {
  sub->add_option("--routing-context", args.routing_context,
                  "Routing context KEY=VALUE (repeatable; values are strings)")
      ->type_name("K=V")
      ->allow_extra_args(false);  // multiget --routing-context a=b KEY... keeps its keys
}

// Keys from stdin, one per line; blank lines are skipped.
std::vector<std::string> ReadStdinKeys() {
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(std::cin, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos) keys.push_back(line.substr(start));
  }
  if (keys.empty()) throw UsageError("no keys on stdin");
  return keys;
}

}  // namespace

void AddLookupCommands(CLI::App& app, CommandTable& table) {
  auto args = std::make_shared<LookupArgs>();

  CLI::App* get =
      app.add_subcommand("get", "Look up one KEY (coerced to the snapshot's key encoding)");
  get->add_option("key", args->key, "The key")->required();
  get->add_flag("--strict", args->strict, "Exit 1 when the key is not found");
  AddRoutingContextOption(get, *args);
  get->footer("Example: shardy --current-url s3://bucket/prefix/_CURRENT get 42 --strict");
  table.emplace_back(get, [args](CliContext& ctx) {
    RoutingContext rc = ParseRoutingContext(args->routing_context);
    ctx.error_key = args->key;
    auto reader = ctx.OpenReader(ctx.global_pin());
    bool found = false;
    ctx.Emit(GetOp(*reader, args->key, rc.empty() ? nullptr : &rc, ctx.output(), &found));
    return !found && args->strict ? kExitFailure : kExitOk;
  });

  CLI::App* multiget = app.add_subcommand(
      "multiget", "Look up several KEYs; a single '-' reads keys from stdin, one per line");
  multiget->add_option("keys", args->keys, "Keys, or '-' for stdin")->required();
  AddRoutingContextOption(multiget, *args);
  multiget->footer("Example: seq 1 100 | shardy --current-url ./snap multiget -");
  table.emplace_back(multiget, [args](CliContext& ctx) {
    RoutingContext rc = ParseRoutingContext(args->routing_context);
    std::vector<std::string> keys = args->keys;
    if (keys.size() == 1 && keys[0] == "-") keys = ReadStdinKeys();
    auto reader = ctx.OpenReader(ctx.global_pin());
    ctx.Emit(MultigetOp(*reader, keys, rc.empty() ? nullptr : &rc, ctx.output()));
    return kExitOk;
  });

  CLI::App* route = app.add_subcommand("route", "Show which shard KEY routes to (no lookup)");
  route->add_option("key", args->key, "The key")->required();
  AddRoutingContextOption(route, *args);
  route->footer("Example: shardy --current-url ./snap route 42");
  table.emplace_back(route, [args](CliContext& ctx) {
    RoutingContext rc = ParseRoutingContext(args->routing_context);
    ctx.error_key = args->key;
    auto reader = ctx.OpenReader(ctx.global_pin());
    ctx.Emit(RouteOp(*reader, args->key, rc.empty() ? nullptr : &rc));
    return kExitOk;
  });
}

}  // namespace shardyfusion::cli
