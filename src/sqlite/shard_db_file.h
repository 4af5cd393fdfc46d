// Local shard.db file operations used by the SQLite shard writer (format.md §4.2).
// Every failure throws SqliteAdapterError naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/sqlite_handle.h"

namespace shardyfusion::sqlite {

inline constexpr std::string_view kShardDbFileName = "shard.db";

// Error factory for shard files: SqliteAdapterError("<path>: <message>").
SqliteErrorFactory ShardDbErrors(const std::string& path);

// Creates a fresh database at `path` (removing any stale one), applies the build pragmas
// in the reference order (page_size first, journal_mode=OFF, synchronous=OFF, cache_size,
// locking_mode=EXCLUSIVE, temp_store=MEMORY), creates `kv` and leaves a transaction open.
SqliteDb CreateShardDb(const std::string& path, uint32_t page_size, int64_t cache_size_pages);

// "auto" page size for a sealed (closed) file: recommends from the nearest-rank p95 of
// length(v) and max length(k) and, when that differs from the current size, rewrites the
// file with PRAGMA page_size + VACUUM.  An empty kv keeps its size.  Returns the final size.
uint32_t RepageToRecommended(const std::string& path);

// Page size from the file's header.
uint32_t ReadHeaderPageSize(const std::string& path);

int64_t FileSizeOrThrow(const std::string& path);

}  // namespace shardyfusion::sqlite
