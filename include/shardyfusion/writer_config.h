// Configuration of the sharded writer, grouped like the reference's config objects.
// Validate() checks everything up front and throws ConfigValidationError naming the field.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "shardyfusion/key.h"
#include "shardyfusion/shard_backend.h"

namespace shardyfusion {

class ManifestStore;
class MetricsCollector;
class RunRegistry;
class ShardWriterFactory;
class StoreResolver;

struct RetryConfig {
  int max_retries = 3;
  double initial_backoff_s = 1.0;
  double backoff_multiplier = 2.0;
};

struct WriterStorageConfig {
  // Snapshot root: s3://bucket/prefix, file:///dir or a local path.
  std::string s3_prefix;
  // Resolves URLs to stores (S3 settings live here); null = DefaultStoreResolver().
  std::shared_ptr<StoreResolver> resolver;
};

struct WriterOutputConfig {
  std::string run_id;  // empty: a fresh uuid4 hex
  std::string db_path_template = "db={db_id:05d}";
  std::string shard_prefix = "shards";
  std::string run_registry_prefix = "runs";
  std::string local_root;  // scratch space; empty: <tmp>/shardyfusion
};

struct WriterManifestConfig {
  std::shared_ptr<ManifestStore> store;  // null: the object store at s3_prefix
  std::string custom_fields_json = "{}";  // must be a JSON object
  int pointer_retries = 3;                 // `_CURRENT` write retries after the manifest
  double pointer_initial_backoff_s = 1.0;
  // Concurrent publishers on one root: when set, `_CURRENT` is only moved if it still names
  // the snapshot that was current when this run started (a compare-and-swap: If-Match on
  // the pointer's ETag, If-None-Match when there was none).  A run that lost the race fails
  // with PublishCurrentError (not retryable; the message names its own manifest and the
  // one now current); its complete manifest stays as a harmless orphan.  Off (default):
  // last writer wins, as in the reference.  Needs a store that enforces conditional writes
  // (S3, local directory, memory; validated when the run starts).
  bool conditional_current = false;
};

struct KeyValueWriteConfig {
  KeyEncoding key_encoding = KeyEncoding::kU64BE;
  size_t batch_size = 50'000;
  std::shared_ptr<ShardWriterFactory> adapter_factory;  // null: shards of `backend`
  ShardBackend backend = ShardBackend::kSqlite;         // used when adapter_factory is null
  SlateDbWriteOptions slatedb;                          // backend == kSlateDb only
};

struct HashShardingConfig {
  std::optional<uint32_t> num_dbs;
  std::optional<uint64_t> max_keys_per_shard;  // exactly one of the two
};

struct WriteRateLimits {
  std::optional<double> max_writes_per_second;
  std::optional<double> max_write_bytes_per_second;
};

struct WriterLifecycleConfig {
  std::shared_ptr<RunRegistry> run_registry;  // null: records under <s3_prefix>/<runs>
  bool enable_run_registry = true;
  double heartbeat_interval_s = 60;
  double lease_s = 600;
};

struct HashShardedWriteConfig {
  WriterStorageConfig storage;
  WriterOutputConfig output;
  WriterManifestConfig manifest;
  KeyValueWriteConfig kv;
  HashShardingConfig sharding;
  std::optional<RetryConfig> shard_retry = RetryConfig{};  // nullopt: no retries
  WriteRateLimits rate_limits;
  std::shared_ptr<MetricsCollector> metrics;
  WriterLifecycleConfig lifecycle;
  std::string writer_type = "cpp";

  void Validate() const;
};

struct WriteOptions {
  // Shards are written on this many threads (0: hardware concurrency, 1: sequential).
  int num_threads = 0;
  // Ceiling on row bytes buffered in memory across all shards; the producer waits beyond
  // it.  Buffering more than a few batches per thread does not speed a build up (sorted
  // runs go to local disk), so the default is modest; peak RSS stays near this plus a
  // fixed ~80 MiB whatever the row count.
  size_t max_buffered_bytes = 64ull << 20;
  // Needed with max_keys_per_shard when the input size is not known up front.
  std::optional<uint64_t> total_rows;
};

}  // namespace shardyfusion
