// Pieces of the download reader's local cache (format.md §1.10): the identity file that
// decides whether a cached shard.db may be reused, and a structural check that catches a
// truncated or foreign file before SQLite (and mmap) ever sees it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shardyfusion::sqlite {

inline constexpr std::string_view kCacheIdentityFileName = "shard.identity.json";
// The version before the current one, kept for a refresh back to it (our addition: the
// reference knows only the two names above and leaves these alone).
inline constexpr std::string_view kPreviousShardDbFileName = "shard.prev.db";
inline constexpr std::string_view kPreviousIdentityFileName = "shard.prev.identity.json";
inline constexpr std::string_view kCacheLockFileName = ".cache.lock";

struct ShardCacheIdentity {
  std::string db_url;
  std::optional<std::string> checkpoint_id;  // JSON null when absent
  bool operator==(const ShardCacheIdentity&) const = default;
};

// {"checkpoint_id": ..., "db_url": ...}: sorted keys, Python json.dumps separators.
std::string EncodeCacheIdentity(const ShardCacheIdentity& identity);
// Empty for anything that is not such an object (a damaged identity means "re-download").
std::optional<ShardCacheIdentity> DecodeCacheIdentity(std::string_view text);

// Why the file at `path` cannot be served as a complete SQLite database, or "" when it
// can: it must exist, start with the SQLite magic, carry a valid page size, and be exactly
// as long as its header says (page count x page size) — a short download fails this.
std::string CheckShardDbFile(const std::string& path);

}  // namespace shardyfusion::sqlite
