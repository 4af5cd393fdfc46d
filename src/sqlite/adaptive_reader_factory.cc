#include "sqlite/adaptive_reader_factory.h"

#include <algorithm>

#include "shardyfusion/observability.h"

namespace shardyfusion {
namespace {

// Only the last few snapshots matter to a refreshing reader; keeps the cache bounded.
constexpr size_t kMaxCachedDecisions = 64;

AdaptiveSqliteReaderOptions WithSharedResolver(AdaptiveSqliteReaderOptions options) {
  if (!options.resolver) options.resolver = DefaultStoreResolver();
  options.download.resolver = options.resolver;
  options.range.resolver = options.resolver;
  return options;
}

}  // namespace

const char* SqliteAccessModeName(SqliteAccessMode mode) {
  return mode == SqliteAccessMode::kRange ? "range" : "download";
}

SqliteAccessMode DecideSqliteAccessMode(const ParsedManifest& manifest,
                                        uint64_t per_shard_threshold, uint64_t total_budget) {
  if (manifest.shards.empty()) return SqliteAccessMode::kDownload;
  uint64_t total = 0;
  for (const auto& shard : manifest.shards) {
    auto bytes = static_cast<uint64_t>(std::max<int64_t>(shard.db_bytes, 0));
    if (bytes >= per_shard_threshold) return SqliteAccessMode::kRange;
    total += bytes;
  }
  return total >= total_budget ? SqliteAccessMode::kRange : SqliteAccessMode::kDownload;
}

AdaptiveSqliteReaderFactory::AdaptiveSqliteReaderFactory(AdaptiveSqliteReaderOptions options)
    : options_(WithSharedResolver(std::move(options))),
      download_(options_.download),
      range_(options_.range) {}

SqliteAccessMode AdaptiveSqliteReaderFactory::Decide(const ParsedManifest& manifest) {
  const std::string& run_id = manifest.build.run_id;
  std::lock_guard lock(mu_);
  auto it = decisions_.find(run_id);
  if (it != decisions_.end()) return it->second;
  auto mode = DecideSqliteAccessMode(manifest, options_.per_shard_threshold, options_.total_budget);
  if (decisions_.size() >= kMaxCachedDecisions) decisions_.clear();
  decisions_.emplace(run_id, mode);
  LogEvent(LogLevel::kDebug, "sqlite_access_mode_decided",
           {{"run_id", run_id}, {"mode", SqliteAccessModeName(mode)}});
  return mode;
}

std::optional<SqliteAccessMode> AdaptiveSqliteReaderFactory::CachedDecision(
    const std::string& run_id) const {
  std::lock_guard lock(mu_);
  auto it = decisions_.find(run_id);
  if (it == decisions_.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<ShardReader> AdaptiveSqliteReaderFactory::Open(
    const std::string& db_url, const std::string& local_dir,
    const std::optional<std::string>& checkpoint_id, const ParsedManifest& manifest) {
  ShardReaderFactory& chosen = Decide(manifest) == SqliteAccessMode::kRange
                                   ? static_cast<ShardReaderFactory&>(range_)
                                   : static_cast<ShardReaderFactory&>(download_);
  return chosen.Open(db_url, local_dir, checkpoint_id, manifest);
}

}  // namespace shardyfusion
