#include "cli/ops.h"

#include <cmath>

#include "cli/cli_error.h"
#include "cli/key_coercion.h"
#include "shardyfusion/time.h"

namespace shardyfusion::cli {

std::string_view HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kUnhealthy:
      return "unhealthy";
  }
  return "unhealthy";
}

std::string_view StrategyName(ShardingStrategy strategy) {
  return strategy == ShardingStrategy::kCel ? "cel" : "hash";
}

Json KeyJson(const Key& key, const OutputConfig& out) {
  switch (key.kind()) {
    case Key::Kind::kInt:
      return key.int_value();
    case Key::Kind::kUInt:
      return key.uint_value();
    case Key::Kind::kStr:
      return key.data();
    case Key::Kind::kBytes:
      return EncodeValue(key.data(), out.value_encoding);
  }
  return nullptr;
}

Json GetOp(ConcurrentShardedReader& reader, const std::string& key, const RoutingContext* context,
           const OutputConfig& out, bool* found) {
  auto value = reader.Get(CoerceCliKey(key, reader.key_encoding()), context);
  if (found) *found = value.has_value();
  Json r;
  r["op"] = "get";
  r["key"] = key;
  r["found"] = value.has_value();
  r["value"] = value ? EncodeValue(*value, out.value_encoding) : out.null_repr;
  return r;
}

Json MultigetOp(ConcurrentShardedReader& reader, const std::vector<std::string>& keys,
                const RoutingContext* context, const OutputConfig& out) {
  if (keys.empty()) throw UsageError("multiget needs at least one key");
  std::vector<Key> coerced;
  coerced.reserve(keys.size());
  const KeyEncoding encoding = reader.key_encoding();
  for (const auto& k : keys) coerced.push_back(CoerceCliKey(k, encoding));
  auto values = reader.MultiGet(coerced, context);
  Json results = Json::array();
  for (size_t i = 0; i < keys.size(); ++i) {
    Json item;
    item["key"] = keys[i];
    item["found"] = values[i].has_value();
    if (values[i]) item["value"] = EncodeValue(*values[i], out.value_encoding);
    results.push_back(std::move(item));
  }
  Json r;
  r["op"] = "multiget";
  r["results"] = std::move(results);
  return r;
}

Json RouteOp(ConcurrentShardedReader& reader, const std::string& key,
             const RoutingContext* context) {
  Json r;
  r["op"] = "route";
  r["key"] = key;
  r["db_id"] = reader.RouteKey(CoerceCliKey(key, reader.key_encoding()), context);
  return r;
}

Json RefreshOp(ConcurrentShardedReader& reader) {
  Json r;
  r["op"] = "refresh";
  r["changed"] = reader.Refresh();
  return r;
}

Json InfoOp(ConcurrentShardedReader& reader) {
  SnapshotInfo info = reader.GetSnapshotInfo();
  Json r;
  r["op"] = "info";
  r["run_id"] = info.run_id;
  r["num_dbs"] = info.num_dbs;
  r["sharding"] = StrategyName(info.sharding.strategy);
  r["created_at"] = FormatIsoTime(info.created_at);
  r["manifest_ref"] = info.manifest_ref;
  r["row_count"] = info.row_count;
  r["key_encoding"] = KeyEncodingName(info.key_encoding);
  r["hash_algorithm"] = info.hash_algorithm;
  return r;
}

Json ShardsOp(ConcurrentShardedReader& reader, const OutputConfig& out) {
  Json shards = Json::array();
  for (const ShardDetail& s : reader.GetShardDetails()) {
    Json item;
    item["db_id"] = s.db_id;
    item["row_count"] = s.row_count;
    item["min_key"] = s.min_key ? KeyJson(*s.min_key, out) : Json(nullptr);
    item["max_key"] = s.max_key ? KeyJson(*s.max_key, out) : Json(nullptr);
    item["db_url"] = s.db_url ? Json(*s.db_url) : Json(nullptr);
    item["db_bytes"] = s.db_bytes;
    shards.push_back(std::move(item));
  }
  Json r;
  r["op"] = "shards";
  r["shards"] = std::move(shards);
  return r;
}

Json HealthOp(ConcurrentShardedReader& reader, std::optional<double> threshold_s,
              HealthStatus* status) {
  std::optional<std::chrono::milliseconds> threshold;
  if (threshold_s) {
    if (!(*threshold_s >= 0) || !std::isfinite(*threshold_s))
      throw UsageError("--staleness-threshold must be a number of seconds >= 0");
    threshold = std::chrono::milliseconds(static_cast<int64_t>(*threshold_s * 1000));
  }
  ReaderHealth h = reader.Health(threshold);
  if (status) *status = h.status;
  Json r;
  r["op"] = "health";
  r["status"] = HealthStatusName(h.status);
  r["manifest_ref"] = h.manifest_ref;
  r["manifest_age_seconds"] =
      std::round(static_cast<double>(h.manifest_age.count()) / 100.0) / 10.0;
  r["num_shards"] = h.num_shards;
  r["is_closed"] = h.is_closed;
  return r;
}

Json HistoryOp(ManifestStore& store, size_t limit) {
  if (limit == 0) throw UsageError("--limit must be >= 1");
  auto refs = store.ListManifests(limit);
  std::string current;
  try {
    if (auto c = store.LoadCurrent()) current = c->ref;
  } catch (const std::exception&) {
    // A broken pointer does not make history unreadable; nothing is marked current.
  }
  Json manifests = Json::array();
  for (size_t i = 0; i < refs.size(); ++i) {
    Json m;
    m["offset"] = i;
    m["run_id"] = refs[i].run_id;
    m["published_at"] = FormatIsoTime(refs[i].published_at);
    m["ref"] = refs[i].ref;
    m["current"] = refs[i].ref == current;
    manifests.push_back(std::move(m));
  }
  Json r;
  r["op"] = "history";
  r["manifests"] = std::move(manifests);
  return r;
}

}  // namespace shardyfusion::cli
