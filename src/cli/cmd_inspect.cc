// info / shards / health (features C-13..C-15).
#include <iostream>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/ops.h"

namespace shardyfusion::cli {

void AddInspectCommands(CLI::App& app, CommandTable& table) {
  CLI::App* info = app.add_subcommand("info", "Show the snapshot's manifest metadata");
  info->footer("Example: shardy --current-url s3://bucket/prefix/_CURRENT info");
  table.emplace_back(info, [](CliContext& ctx) {
    auto reader = ctx.OpenReader(ctx.global_pin());
    ctx.Emit(InfoOp(*reader));
    return kExitOk;
  });

  CLI::App* shards = app.add_subcommand("shards", "Show per-shard details (empty shards included)");
  shards->footer("Example: shardy --current-url ./snap --output-format table shards");
  table.emplace_back(shards, [](CliContext& ctx) {
    auto reader = ctx.OpenReader(ctx.global_pin());
    ctx.Emit(ShardsOp(*reader, ctx.output()));
    return kExitOk;
  });

  auto threshold = std::make_shared<std::optional<double>>();
  CLI::App* health = app.add_subcommand(
      "health", "Show reader health; exit 0 healthy, 1 degraded, 2 unhealthy or error");
  health
      ->add_option("--staleness-threshold", *threshold,
                   "Manifest age (seconds since publish) beyond which the snapshot is degraded")
      ->type_name("SECONDS");
  health->footer("Example: shardy --current-url ./snap health --staleness-threshold 86400");
  table.emplace_back(health, [threshold](CliContext& ctx) {
    // Any failure means "unhealthy" to a monitoring script: exit 2, not 1.
    try {
      auto reader = ctx.OpenReader(ctx.global_pin());
      HealthStatus status = HealthStatus::kUnhealthy;
      ctx.Emit(HealthOp(*reader, *threshold, &status));
      return status == HealthStatus::kHealthy    ? kExitOk
             : status == HealthStatus::kDegraded ? kExitFailure
                                                 : kExitUsage;
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      ctx.EmitError("health", e.what());
      return kExitUsage;
    }
  });
}

}  // namespace shardyfusion::cli
