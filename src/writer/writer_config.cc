#include <nlohmann/json.hpp>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/url.h"
#include "shardyfusion/writer_config.h"

namespace shardyfusion {
namespace {

[[noreturn]] void Invalid(const std::string& field, const std::string& why) {
  throw ConfigValidationError(field + ": " + why);
}

}  // namespace

void HashShardedWriteConfig::Validate() const {
  if (storage.s3_prefix.empty() && !manifest.store)
    Invalid("storage.s3_prefix", "is required (s3://bucket/prefix, file:///dir or a path)");
  if (!storage.s3_prefix.empty()) ValidateRootUrl(storage.s3_prefix, "storage.s3_prefix");
  ValidatePathSegment(output.shard_prefix, "output.shard_prefix");
  ValidatePathSegment(output.run_registry_prefix, "output.run_registry_prefix");
  FormatDbPath(output.db_path_template, 0);  // throws ConfigValidationError naming the template
  if (output.run_id.find('/') != std::string::npos || output.run_id.find("_run_id=") != std::string::npos)
    Invalid("output.run_id", "must not contain '/' or '_run_id=': '" + output.run_id + "'");
  if (kv.batch_size == 0) Invalid("kv.batch_size", "must be > 0");
  if (kv.backend == ShardBackend::kSlateDb && !kv.adapter_factory && !SlateDbAvailable())
    Invalid("kv.backend", "'slatedb' is not available in this build (it was configured without cargo)");
  if (sharding.num_dbs.has_value() == sharding.max_keys_per_shard.has_value())
    Invalid("sharding", "set exactly one of num_dbs and max_keys_per_shard");
  if (sharding.num_dbs && *sharding.num_dbs == 0) Invalid("sharding.num_dbs", "must be > 0");
  if (sharding.max_keys_per_shard && *sharding.max_keys_per_shard == 0)
    Invalid("sharding.max_keys_per_shard", "must be > 0");
  if (shard_retry) {
    if (shard_retry->max_retries < 0) Invalid("shard_retry.max_retries", "must be >= 0");
    if (shard_retry->initial_backoff_s < 0) Invalid("shard_retry.initial_backoff_s", "must be >= 0");
    if (shard_retry->backoff_multiplier < 1) Invalid("shard_retry.backoff_multiplier", "must be >= 1");
  }
  if (rate_limits.max_writes_per_second && *rate_limits.max_writes_per_second <= 0)
    Invalid("rate_limits.max_writes_per_second", "must be > 0");
  if (rate_limits.max_write_bytes_per_second && *rate_limits.max_write_bytes_per_second <= 0)
    Invalid("rate_limits.max_write_bytes_per_second", "must be > 0");
  if (manifest.pointer_retries < 0) Invalid("manifest.pointer_retries", "must be >= 0");
  nlohmann::json custom;
  try {
    custom = nlohmann::json::parse(manifest.custom_fields_json.empty() ? "{}" : manifest.custom_fields_json);
  } catch (const nlohmann::json::exception& e) {
    Invalid("manifest.custom_fields_json", std::string("is not valid JSON: ") + e.what());
  }
  if (!custom.is_object()) Invalid("manifest.custom_fields_json", "must be a JSON object");
  if (lifecycle.heartbeat_interval_s <= 0 || lifecycle.lease_s <= 0)
    Invalid("lifecycle", "heartbeat_interval_s and lease_s must be > 0");
}

}  // namespace shardyfusion
