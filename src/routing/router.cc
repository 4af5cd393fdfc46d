#include "shardyfusion/router.h"

#include "shardyfusion/errors.h"

namespace shardyfusion {

SnapshotRouter SnapshotRouter::Hash(uint32_t num_dbs, KeyEncoding encoding) {
  if (num_dbs == 0) throw ConfigValidationError("num_dbs must be > 0");
  return SnapshotRouter(num_dbs, encoding, ShardingStrategy::kHash);
}

SnapshotRouter SnapshotRouter::FromManifest(const ParsedManifest& manifest) {
  if (manifest.build.sharding.strategy == ShardingStrategy::kCel)
    throw ConfigValidationError("manifest of run '" + manifest.build.run_id +
                                "' uses CEL routing, which this build does not evaluate yet");
  return Hash(manifest.build.num_dbs, manifest.build.key_encoding);
}

std::optional<uint32_t> SnapshotRouter::RouteWithContext(const Key& key,
                                                         const RoutingContext* context) const {
  return Route(key);  // HASH routing ignores the context; CEL will evaluate it here.
}

std::map<uint32_t, std::vector<size_t>> SnapshotRouter::GroupKeys(std::span<const Key> keys) const {
  std::map<uint32_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < keys.size(); ++i) groups[Route(keys[i])].push_back(i);
  return groups;
}

uint32_t NumDbsForMaxKeys(uint64_t total_rows, uint64_t max_keys_per_shard) {
  if (max_keys_per_shard == 0) throw ConfigValidationError("max_keys_per_shard must be > 0");
  uint64_t n = (total_rows + max_keys_per_shard - 1) / max_keys_per_shard;
  if (n > UINT32_MAX) throw ConfigValidationError("max_keys_per_shard gives too many shards");
  return n == 0 ? 1 : static_cast<uint32_t>(n);
}

}  // namespace shardyfusion
