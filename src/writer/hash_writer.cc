// WriteHashSharded / WriteSingleDb: the in-process writer (features W-30, W-35..W-37).
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/uuid.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/router.h"
#include "shardyfusion/run_registry.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/writer.h"
#include "slatedb/slatedb_factories.h"
#include "sqlite/sqlite_shard_writer.h"
#include "writer/publish.h"
#include "writer/shard_pipeline.h"

namespace shardyfusion {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// User custom fields with the library-owned ones (e.g. sqlite_sidecar) merged on top.
std::string MergeCustom(const std::string& user, const std::string& library) {
  auto merged = nlohmann::json::parse(user.empty() ? "{}" : user);
  merged.update(nlohmann::json::parse(library.empty() ? "{}" : library));
  return merged.dump();
}

std::unique_ptr<RunLifecycle> StartRunRecord(const HashShardedWriteConfig& config, StoreResolver& resolver,
                                             const std::string& root, const std::string& run_id) {
  if (!config.lifecycle.enable_run_registry || root.empty()) return nullptr;
  std::shared_ptr<RunRegistry> registry = config.lifecycle.run_registry;
  try {
    if (!registry) registry = MakeObjectRunRegistry(resolver, root, config.output.run_registry_prefix);
  } catch (const std::exception& e) {
    LogEvent(LogLevel::kWarning, "run_record_create_failed", {{"error", e.what()}});
    return nullptr;
  }
  RunRecord record;
  record.run_id = run_id;
  record.writer_type = config.writer_type;
  record.s3_prefix = root;
  record.shard_prefix = config.output.shard_prefix;
  record.db_path_template = config.output.db_path_template;
  RunLifecycle::Options options;
  options.heartbeat_interval = std::chrono::milliseconds(static_cast<int64_t>(config.lifecycle.heartbeat_interval_s * 1000));
  options.lease = std::chrono::milliseconds(static_cast<int64_t>(config.lifecycle.lease_s * 1000));
  return std::make_unique<RunLifecycle>(registry, record, options);
}

}  // namespace

BuildResult WriteHashSharded(const RecordSource& source, const HashShardedWriteConfig& config,
                             const WriteOptions& options) {
  config.Validate();
  const auto t_start = Clock::now();
  auto resolver = config.storage.resolver ? config.storage.resolver : DefaultStoreResolver();
  const std::string run_id = config.output.run_id.empty() ? Uuid4Hex() : config.output.run_id;
  ScopedLogContext log_context({{"run_id", run_id}});

  uint32_t num_dbs;
  if (config.sharding.num_dbs) {
    num_dbs = *config.sharding.num_dbs;
  } else if (options.total_rows) {
    num_dbs = NumDbsForMaxKeys(*options.total_rows, *config.sharding.max_keys_per_shard);
  } else {
    throw ConfigValidationError(
        "sharding.max_keys_per_shard needs the input size: set WriteOptions::total_rows");
  }
  const auto router = SnapshotRouter::Hash(num_dbs, config.kv.key_encoding);

  auto factory = config.kv.adapter_factory;
  if (!factory && config.kv.backend == ShardBackend::kSlateDb) {
    factory = MakeSlateDbWriterFactory(config.kv.slatedb, resolver);
  } else if (!factory) {
    SqliteWriterOptions sqlite;
    sqlite.resolver = resolver;
    factory = std::make_shared<SqliteShardWriterFactory>(sqlite);
  }
  auto manifest_store = config.manifest.store ? config.manifest.store
                                              : MakeObjectManifestStore(*resolver, config.storage.s3_prefix);
  const std::string root = config.storage.s3_prefix.empty() ? manifest_store->root_url() : config.storage.s3_prefix;
  std::string local_root = config.output.local_root;
  if (local_root.empty()) local_root = (std::filesystem::temp_directory_path() / "shardyfusion").string();

  // Conditional publish: the snapshot this run replaces is the one current at its start.
  PublishOptions publish;
  publish.pointer_retries = config.manifest.pointer_retries;
  publish.pointer_initial_backoff_s = config.manifest.pointer_initial_backoff_s;
  if (config.manifest.conditional_current) {
    if (!manifest_store->SupportsConditionalCurrent())
      throw ConfigValidationError("manifest.conditional_current: the store at " + manifest_store->root_url() +
                                  " ignores conditional writes");
    auto current = manifest_store->LoadCurrent();
    publish.expected_current = current ? current->ref : "";
  }

  auto run_record = StartRunRecord(config, *resolver, root, run_id);
  if (config.metrics)
    config.metrics->Emit(metric_events::kWriteStarted, {{"run_id", run_id}, {"s3_prefix", root}});
  LogEvent(LogLevel::kInfo, "write_started", {{"num_dbs", std::to_string(num_dbs)}, {"s3_prefix", root}});

  try {
    PipelineSettings settings;
    settings.factory = factory;
    settings.root_url = root;
    settings.run_id = run_id;
    settings.shard_prefix = config.output.shard_prefix;
    settings.db_path_template = config.output.db_path_template;
    settings.local_root = local_root;
    settings.batch_size = config.kv.batch_size;
    settings.retry = config.shard_retry;
    settings.metrics = config.metrics;
    if (config.rate_limits.max_writes_per_second)
      settings.ops_limiter = std::make_shared<TokenBucket>(*config.rate_limits.max_writes_per_second, "ops", config.metrics);
    if (config.rate_limits.max_write_bytes_per_second)
      settings.bytes_limiter = std::make_shared<TokenBucket>(*config.rate_limits.max_write_bytes_per_second, "bytes", config.metrics);
    settings.num_threads = options.num_threads > 0 ? options.num_threads
                                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    settings.max_buffered_bytes = options.max_buffered_bytes;

    std::vector<ShardAttemptResult> results;
    int64_t rows = 0;
    {
      ShardPipeline pipeline(std::move(settings), num_dbs);
      Record record;
      while (source(record)) {
        uint32_t db_id;
        std::string storage_key;
        try {
          db_id = router.Route(record.key);
          storage_key = router.EncodeLookupKey(record.key);
        } catch (const KeyEncodingError& e) {
          throw KeyEncodingError("input row " + std::to_string(rows) + ": " + e.what());
        }
        pipeline.Add(db_id, record.key, storage_key, record.value);
        ++rows;
      }
      results = pipeline.Finish();
    }
    const auto t_written = Clock::now();
    WinnerSelection selection = SelectWinners(results, num_dbs);
    if (config.metrics)
      config.metrics->Emit(metric_events::kWriteShardsCompleted,
                           {{"num_shards", static_cast<int64_t>(selection.winners.size())}});

    RequiredBuildMeta build;
    build.run_id = run_id;
    build.created_at = Now();
    build.num_dbs = num_dbs;
    build.s3_prefix = root;
    build.db_path_template = config.output.db_path_template;
    build.shard_prefix = config.output.shard_prefix;
    build.key_encoding = config.kv.key_encoding;
    std::string custom = MergeCustom(config.manifest.custom_fields_json, factory->ManifestCustomFields());
    std::string ref = PublishSnapshot(*manifest_store, build, selection.winners, custom, publish, config.metrics);
    const auto t_published = Clock::now();
    CleanupLosers(*resolver, selection.loser_urls);
    if (run_record) run_record->MarkSucceeded(ref);

    BuildResult result;
    result.run_id = run_id;
    result.manifest_ref = ref;
    result.winners = std::move(selection.winners);
    result.stats.rows_written = rows;
    result.stats.num_attempt_results = static_cast<int64_t>(results.size());
    result.stats.num_winners = static_cast<int64_t>(result.winners.size());
    result.stats.durations.write_ms = MillisBetween(t_start, t_written);
    result.stats.durations.manifest_ms = MillisBetween(t_written, t_published);
    result.stats.durations.total_ms = MillisBetween(t_start, Clock::now());
    if (run_record) result.run_record_ref = run_record->ref();
    if (config.metrics)
      config.metrics->Emit(metric_events::kWriteCompleted,
                           {{"elapsed_ms", result.stats.durations.total_ms}, {"rows_written", rows}});
    LogEvent(LogLevel::kInfo, "write_completed",
             {{"manifest_ref", ref}, {"rows", std::to_string(rows)}, {"shards", std::to_string(result.winners.size())}});
    return result;
  } catch (const std::exception& e) {
    auto* sf = dynamic_cast<const ShardyfusionError*>(&e);
    if (run_record) run_record->MarkFailed(sf ? sf->name() : "std::exception", e.what());
    LogEvent(LogLevel::kError, "write_failed", {{"error", e.what()}});
    throw;
  }
}

BuildResult WriteSingleDb(const RecordSource& source, HashShardedWriteConfig config,
                          const WriteOptions& options) {
  config.sharding = HashShardingConfig{1, std::nullopt};
  return WriteHashSharded(source, config, options);
}

}  // namespace shardyfusion
