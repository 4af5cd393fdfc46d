// The reader operations shared by the one-shot commands, `exec` scripts and the REPL.
// Each returns the op's fixed result dict (features C-11..C-17, C-21).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cli/config.h"
#include "cli/output.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/router.h"

namespace shardyfusion::cli {

Json GetOp(ConcurrentShardedReader& reader, const std::string& key, const RoutingContext* context,
           const OutputConfig& out, bool* found = nullptr);
Json MultigetOp(ConcurrentShardedReader& reader, const std::vector<std::string>& keys,
                const RoutingContext* context, const OutputConfig& out);
Json RouteOp(ConcurrentShardedReader& reader, const std::string& key,
             const RoutingContext* context);
Json RefreshOp(ConcurrentShardedReader& reader);
Json InfoOp(ConcurrentShardedReader& reader);
Json ShardsOp(ConcurrentShardedReader& reader, const OutputConfig& out);
// `status` receives the health status for the exit code.
Json HealthOp(ConcurrentShardedReader& reader, std::optional<double> staleness_threshold_s,
              HealthStatus* status = nullptr);
Json HistoryOp(ManifestStore& store, size_t limit);

// A logical key as JSON: integers as numbers, strings as strings, bytes value-encoded.
Json KeyJson(const Key& key, const OutputConfig& out);
std::string_view HealthStatusName(HealthStatus status);
std::string_view StrategyName(ShardingStrategy strategy);

}  // namespace shardyfusion::cli
