// Which database each shard is: SQLite (format.md §4) or SlateDB (§5).  The manifest
// records nothing backend-specific, so readers are told the backend by their options.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace shardyfusion {

enum class ShardBackend { kSqlite, kSlateDb };

const char* ShardBackendName(ShardBackend backend);  // "sqlite" / "slatedb"
// Throws ConfigValidationError naming `field` and the value.
ShardBackend ParseShardBackend(std::string_view name, std::string_view field = "backend");

// True when this build links the SlateDB bridge (cargo was found at configure time).
// Without it, choosing kSlateDb throws ConfigValidationError.
bool SlateDbAvailable();

struct SlateDbWriteOptions {
  // (dotted key, JSON literal) over SlateDB's default settings, e.g.
  // {"flush_interval", "\"100ms\""}, {"l0_sst_size_bytes", "67108864"}.
  std::map<std::string, std::string> settings;
  // Build under the attempt's local_dir, then upload every file at close (db_bytes = the
  // local size).  Works with any store the resolver knows, in-memory ones included.
  bool local_then_upload = false;
};

struct SlateDbReadOptions {
  // Data blocks cached in memory, shared by every shard of one reader; index and filter
  // blocks get a quarter of this on top.  Warm point lookups never leave memory.
  uint64_t block_cache_bytes = 64ull << 20;
  // Local disk cache of object parts under each shard's cache directory; 0 = off (a cold
  // point lookup then GETs just the blocks it needs).
  uint64_t disk_cache_bytes = 0;
  // The disk cache's GET unit.  Small, because a lookup needs one 4 KiB block, not 4 MiB.
  uint64_t part_size_bytes = 64ull << 10;
};

}  // namespace shardyfusion
