// The manifest model (format.md §2) and its SQLite codec.
//
// A manifest is a whole SQLite database image with tables build_meta (one row) and shards
// (one row per non-empty shard).  It is immutable once published; `_CURRENT` points at it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/time.h"

namespace shardyfusion {

inline constexpr int kManifestFormatVersion = 4;
inline constexpr std::string_view kSqliteManifestContentType = "application/x-sqlite3";

enum class ShardingStrategy : uint8_t { kHash, kCel };

struct ShardingSpec {
  ShardingStrategy strategy = ShardingStrategy::kHash;
  std::string hash_algorithm = "xxh3_64";  // the only value accepted
  std::optional<std::string> cel_expr;
  std::optional<std::map<std::string, std::string>> cel_columns;  // name -> CEL type
  std::optional<std::vector<Key>> routing_values;                  // categorical CEL only
};

struct RequiredBuildMeta {
  std::string run_id;
  Timestamp created_at{};
  uint32_t num_dbs = 0;
  std::string s3_prefix;  // the writer's root URL, verbatim
  std::string key_col = "_key";
  ShardingSpec sharding;
  std::string db_path_template = "db={db_id:05d}";
  std::string shard_prefix = "shards";
  int format_version = kManifestFormatVersion;
  KeyEncoding key_encoding = KeyEncoding::kU64BE;
};

struct WriterInfo {
  int64_t attempt = 0;
  int64_t duration_ms = 0;
  std::optional<int64_t> stage_id;
  std::optional<int64_t> task_attempt_id;
};

struct RequiredShardMeta {
  uint32_t db_id = 0;
  std::optional<std::string> db_url;  // empty = empty shard (no data, lookups miss)
  int64_t attempt = 0;
  int64_t row_count = 0;
  int64_t db_bytes = 0;
  std::optional<Key> min_key;  // logical keys, informational only
  std::optional<Key> max_key;
  std::optional<std::string> checkpoint_id;
  WriterInfo writer_info;
};

struct ParsedManifest {
  RequiredBuildMeta build;
  std::vector<RequiredShardMeta> shards;  // listed (non-empty) shards, ascending db_id
  std::string custom_json = "{}";         // the `custom` JSON object, as compact text

  // Every db id in [0, num_dbs): the listed shard, or a synthetic empty one.
  std::vector<RequiredShardMeta> PaddedShards() const;
};

// (ref, run_id, published_at): from `_CURRENT` or from a history listing.
struct ManifestRef {
  std::string ref;
  std::string run_id;
  Timestamp published_at{};
};

struct CurrentPointer {
  int64_t format_version = 1;
  std::string manifest_content_type = std::string(kSqliteManifestContentType);
  std::string manifest_ref;
  std::string run_id;
  Timestamp updated_at{};
};

// SQLite manifest image: serialized from an in-memory database (never WAL).
// Throws ManifestBuildError when a value cannot be represented.
std::string BuildSqliteManifest(const RequiredBuildMeta& build,
                                const std::vector<RequiredShardMeta>& shards,
                                std::string_view custom_json = "{}");
// Applies every check of format.md §2.7; any failure is a ManifestParseError whose
// message names the reason.
ParsedManifest ParseSqliteManifest(std::string_view payload);

// `_CURRENT` body: compact JSON with sorted keys.
std::string EncodeCurrentPointer(const CurrentPointer& pointer);
CurrentPointer ParseCurrentPointer(std::string_view body);  // ManifestParseError

// "<TS>_run_id=<run_id>" directory names of manifests/, and parsing them back.
std::string ManifestDirName(Timestamp t, std::string_view run_id);
std::optional<ManifestRef> ParseManifestDirName(std::string_view dir_name);
// The run_id=<id> segment of a ref (used by rollback); empty when absent.
std::string RunIdFromRef(std::string_view ref);

// Python str.format of db_path_template with db_id: supports {db_id}, {db_id:d},
// {db_id:0Nd}, {db_id:Nd} and literal {{ }}.  Throws ConfigValidationError otherwise.
std::string FormatDbPath(std::string_view db_path_template, uint32_t db_id);

}  // namespace shardyfusion
