// SnapshotRouter: the one routing implementation writers and readers share.
//
// Immutable after construction; safe to use from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {

// Named values for multi-column CEL routing (the reference's routing_context dict).
using RoutingContext = std::map<std::string, Key>;

class SnapshotRouter {
 public:
  // HASH routing over `num_dbs` shards.  Throws ConfigValidationError if num_dbs == 0.
  static SnapshotRouter Hash(uint32_t num_dbs, KeyEncoding encoding);
  // From a parsed manifest.  CEL manifests are recognised but CEL evaluation is not built
  // yet: throws ConfigValidationError saying so.
  static SnapshotRouter FromManifest(const ParsedManifest& manifest);

  uint32_t num_dbs() const { return num_dbs_; }
  KeyEncoding key_encoding() const { return encoding_; }
  ShardingStrategy strategy() const { return strategy_; }

  // Shard id of `key`.  Throws KeyEncodingError for keys that cannot be routed.
  uint32_t Route(const Key& key) const { return HashDbId(key, num_dbs_); }
  // The hook for CEL: with a context the expression decides; HASH ignores the context.
  // Returns nullopt for an unknown categorical token (a miss for readers).
  std::optional<uint32_t> RouteWithContext(const Key& key, const RoutingContext* context) const;

  // Storage bytes used to look `key` up in its shard.
  std::string EncodeLookupKey(const Key& key) const { return StorageBytes(key, encoding_); }

  // Indexes of `keys` grouped by shard id (ascending), each group in input order.
  std::map<uint32_t, std::vector<size_t>> GroupKeys(std::span<const Key> keys) const;

 private:
  SnapshotRouter(uint32_t num_dbs, KeyEncoding encoding, ShardingStrategy strategy)
      : num_dbs_(num_dbs), encoding_(encoding), strategy_(strategy) {}
  uint32_t num_dbs_;
  KeyEncoding encoding_;
  ShardingStrategy strategy_;
};

// max_keys_per_shard -> num_dbs: max(1, ceil(total_rows / max_keys_per_shard)).
uint32_t NumDbsForMaxKeys(uint64_t total_rows, uint64_t max_keys_per_shard);

}  // namespace shardyfusion
