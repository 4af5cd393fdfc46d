// Parses and validates a SQLite manifest image: every check of format.md §2.7.  Any
// failure is a ManifestParseError whose message names the reason.
#include <algorithm>
#include <cstring>
#include <set>

#include "core/py_json.h"
#include "core/sqlite_handle.h"
#include "manifest/manifest_json.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {
namespace {

constexpr char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                             'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};

[[noreturn]] void Bad(const std::string& msg) { throw ManifestParseError(msg); }

// Reads columns by name, so extra columns and column order do not matter.
class Row {
 public:
  Row(SqliteStatement& st, std::string table) : st_(st), table_(std::move(table)) {}

  int Col(const char* name) const {
    int i = st_.ColumnIndex(name);
    if (i < 0) Bad(table_ + " has no column '" + name + "'");
    return i;
  }
  std::string Field(const char* name) const { return table_ + "." + name; }
  bool IsNull(const char* name) const { return st_.ColumnType(Col(name)) == SQLITE_NULL; }
  std::string Text(const char* name) const {
    int i = Col(name);
    if (st_.ColumnType(i) != SQLITE_TEXT) Bad(Field(name) + " must be TEXT");
    return std::string(st_.ColumnBytes(i));
  }
  std::optional<std::string> OptText(const char* name) const {
    if (IsNull(name)) return std::nullopt;
    return Text(name);
  }
  int64_t Int(const char* name) const {
    int i = Col(name);
    if (st_.ColumnType(i) != SQLITE_INTEGER) Bad(Field(name) + " must be an INTEGER");
    return st_.ColumnInt(i);
  }
  int64_t NonNegative(const char* name) const {
    int64_t v = Int(name);
    if (v < 0) Bad(Field(name) + " must be >= 0, got " + std::to_string(v));
    return v;
  }
  nlohmann::json Json(const char* name) const {
    if (IsNull(name)) Bad(Field(name) + " must not be NULL");
    return ParseJsonField(Text(name), Field(name));
  }

 private:
  SqliteStatement& st_;
  std::string table_;
};

RequiredBuildMeta ReadBuildMeta(const SqliteDb& db, std::string& custom_json) {
  SqliteStatement st(db, "SELECT * FROM build_meta LIMIT 1");
  if (!st.Step()) Bad("build_meta has no row");
  Row row(st, "build_meta");
  RequiredBuildMeta b;
  b.run_id = row.Text("run_id");
  b.created_at = ParseIsoTime(row.Text("created_at"));
  int64_t num_dbs = row.Int("num_dbs");
  if (num_dbs <= 0 || num_dbs > UINT32_MAX) Bad("build_meta.num_dbs must be > 0, got " + std::to_string(num_dbs));
  b.num_dbs = static_cast<uint32_t>(num_dbs);
  b.s3_prefix = row.Text("s3_prefix");
  b.key_col = row.Text("key_col");
  b.sharding = ShardingFromJson(row.Json("sharding"));
  b.db_path_template = row.Text("db_path_template");
  b.shard_prefix = row.Text("shard_prefix");
  b.format_version = static_cast<int>(row.Int("format_version"));
  std::string enc = row.Text("key_encoding");
  try {
    b.key_encoding = ParseKeyEncoding(enc);
  } catch (const ConfigValidationError& e) {
    Bad(std::string("build_meta.") + e.what());
  }
  std::string custom = row.Text("custom");
  nlohmann::json c = custom.empty() ? nlohmann::json::object() : ParseJsonField(custom, "build_meta.custom");
  if (!c.is_object()) Bad("build_meta.custom must be a JSON object");
  custom_json = c.dump();
  return b;
}

std::vector<RequiredShardMeta> ReadShards(const SqliteDb& db) {
  SqliteStatement st(db, "SELECT * FROM shards ORDER BY db_id");
  std::vector<RequiredShardMeta> shards;
  while (st.Step()) {
    Row row(st, "shards");
    RequiredShardMeta s;
    int64_t db_id = row.NonNegative("db_id");
    if (db_id > UINT32_MAX) Bad("shards.db_id is too large: " + std::to_string(db_id));
    s.db_id = static_cast<uint32_t>(db_id);
    s.db_url = row.OptText("db_url");
    s.attempt = row.NonNegative("attempt");
    s.row_count = row.NonNegative("row_count");
    s.db_bytes = row.NonNegative("db_bytes");
    for (const char* col : {"min_key", "max_key"}) {
      std::optional<Key> k;
      if (!row.IsNull(col)) k = KeyFromJson(row.Json(col), row.Field(col));
      (std::strcmp(col, "min_key") == 0 ? s.min_key : s.max_key) = k;
    }
    s.checkpoint_id = row.OptText("checkpoint_id");
    s.writer_info = WriterInfoFromJson(row.Json("writer_info"));
    shards.push_back(std::move(s));
  }
  return shards;
}

void Validate(const ParsedManifest& m) {
  const auto& b = m.build;
  if (b.format_version != kManifestFormatVersion)
    Bad("unsupported manifest format_version " + std::to_string(b.format_version) +
        " (only 4 is supported)");
  if (m.shards.size() > b.num_dbs)
    Bad("manifest lists " + std::to_string(m.shards.size()) + " shards but num_dbs is " +
        std::to_string(b.num_dbs));
  std::set<uint32_t> ids;
  for (const auto& s : m.shards) {
    if (s.db_id >= b.num_dbs)
      Bad("shard db_id " + std::to_string(s.db_id) + " is outside [0, " + std::to_string(b.num_dbs) + ")");
    if (!ids.insert(s.db_id).second) Bad("duplicate shard db_id " + std::to_string(s.db_id));
  }
  if (const auto& rv = b.sharding.routing_values) {
    size_t expected = std::max<size_t>(1, rv->size());
    if (b.num_dbs != expected)
      Bad("num_dbs " + std::to_string(b.num_dbs) + " does not match " +
          std::to_string(rv->size()) + " routing_values");
  }
}

// A manifest is untrusted input: its schema could make `SELECT * FROM shards` do unbounded
// work (a view over an infinite recursive CTE, a generated column computing a huge value).
// Reading a genuine manifest takes well under one VM step per byte and no value can be
// larger than the image, so the work is capped relative to the payload size.
struct ReadBudget {
  uint64_t steps_left = 0;
  bool exhausted = false;
};
constexpr int kProgressEvery = 1000;  // VM instructions between progress callbacks

int OnProgress(void* arg) {
  auto* budget = static_cast<ReadBudget*>(arg);
  if (budget->steps_left < kProgressEvery) {
    budget->exhausted = true;
    return 1;  // interrupts the statement (SQLITE_INTERRUPT)
  }
  budget->steps_left -= kProgressEvery;
  return 0;
}

// build_meta and shards must be plain tables: not views, and without generated columns
// (computed on every read, inside one VM step the budget cannot interrupt).
void CheckSchema(const SqliteDb& db) {
  SqliteStatement st(db,
                     "SELECT lower(name), type FROM sqlite_schema "
                     "WHERE lower(name) IN ('build_meta', 'shards')");
  while (st.Step()) {
    std::string name(st.ColumnBytes(0)), type(st.ColumnBytes(1));
    if (type != "table") Bad("manifest: " + name + " must be a table, not a " + type);
    SqliteStatement cols(db, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden != 0");
    cols.BindText(1, name);
    if (cols.Step())
      Bad("manifest: " + name + "." + std::string(cols.ColumnBytes(0)) +
          " is a generated column (not allowed in a manifest)");
  }
}

}  // namespace

ParsedManifest ParseSqliteManifest(std::string_view payload) {
  if (payload.size() < sizeof kMagic || std::memcmp(payload.data(), kMagic, sizeof kMagic) != 0)
    Bad("unsupported manifest format: not a SQLite database");
  ReadBudget budget{10'000'000 + 100 * uint64_t{payload.size()}};
  SqliteDb db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
              [&budget](const std::string& m) {
                if (budget.exhausted) Bad("manifest: reading it needs too much work (" + m + ")");
                Bad("manifest: " + m);
              });
  sqlite3_progress_handler(db.get(), kProgressEvery, OnProgress, &budget);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH,
                static_cast<int>(std::min<size_t>(std::max<size_t>(payload.size(), 1 << 16), 1 << 30)));
  // sqlite3_deserialize takes ownership of a sqlite3_malloc'd copy (freed on close).
  auto* image = static_cast<unsigned char*>(sqlite3_malloc64(payload.size()));
  if (image == nullptr) Bad("out of memory loading manifest");
  std::memcpy(image, payload.data(), payload.size());
  int rc = sqlite3_deserialize(db.get(), "main", image, payload.size(), payload.size(),
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) db.Fail("cannot load the manifest database");
  CheckSchema(db);
  ParsedManifest m;
  m.build = ReadBuildMeta(db, m.custom_json);
  m.shards = ReadShards(db);
  Validate(m);
  return m;
}

std::vector<RequiredShardMeta> ParsedManifest::PaddedShards() const {
  std::vector<RequiredShardMeta> out(build.num_dbs);
  for (uint32_t i = 0; i < build.num_dbs; ++i) out[i].db_id = i;
  for (const auto& s : shards) out[s.db_id] = s;
  return out;
}

}  // namespace shardyfusion
