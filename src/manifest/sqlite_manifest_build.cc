// Builds the SQLite manifest image (format.md §2.2-2.6) in an in-memory database and
// serializes it; an in-memory database is never in WAL mode, which readers require.
#include <set>

#include "core/py_json.h"
#include "core/sqlite_handle.h"
#include "manifest/manifest_json.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

namespace shardyfusion {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA page_size = 4096;
CREATE TABLE build_meta (
  run_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  num_dbs INTEGER NOT NULL,
  s3_prefix TEXT NOT NULL,
  key_col TEXT NOT NULL,
  sharding TEXT NOT NULL,
  db_path_template TEXT NOT NULL,
  shard_prefix TEXT NOT NULL,
  format_version INTEGER NOT NULL,
  key_encoding TEXT NOT NULL,
  custom TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE shards (
  db_id INTEGER NOT NULL PRIMARY KEY,
  db_url TEXT,
  attempt INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  db_bytes INTEGER NOT NULL,
  min_key TEXT,
  max_key TEXT,
  checkpoint_id TEXT,
  writer_info TEXT NOT NULL DEFAULT '{}'
);
)sql";

void BindOptionalKey(SqliteStatement& st, int index, const std::optional<Key>& key) {
  if (!key) return st.BindNull(index);
  st.BindText(index, PythonJsonDumps(KeyToJson(*key)));
}

}  // namespace

std::string BuildSqliteManifest(const RequiredBuildMeta& build,
                                const std::vector<RequiredShardMeta>& shards,
                                std::string_view custom_json) {
  auto fail = [](const std::string& m) -> void { throw ManifestBuildError(m); };
  if (build.num_dbs == 0) fail("num_dbs must be > 0");
  nlohmann::json custom;
  try {
    custom = custom_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(custom_json);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("custom fields are not valid JSON: ") + e.what());
  }
  if (!custom.is_object()) fail("custom fields must be a JSON object");
  std::set<uint32_t> seen;
  for (const auto& s : shards) {
    if (s.db_id >= build.num_dbs)
      fail("shard db_id " + std::to_string(s.db_id) + " is outside [0, " +
           std::to_string(build.num_dbs) + ")");
    if (!seen.insert(s.db_id).second) fail("duplicate shard db_id " + std::to_string(s.db_id));
  }

  SqliteDb db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, fail);
  db.Exec(kSchema);
  db.Exec("BEGIN");
  {
    SqliteStatement st(db, "INSERT INTO build_meta VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    st.BindText(1, build.run_id);
    st.BindText(2, FormatIsoTime(build.created_at));
    st.BindInt(3, build.num_dbs);
    st.BindText(4, build.s3_prefix);
    st.BindText(5, build.key_col);
    st.BindText(6, PythonJsonDumps(ShardingToJson(build.sharding)));
    st.BindText(7, build.db_path_template);
    st.BindText(8, build.shard_prefix);
    st.BindInt(9, build.format_version);
    st.BindText(10, KeyEncodingName(build.key_encoding));
    st.BindText(11, PythonJsonDumps(custom));
    st.Step();
  }
  SqliteStatement st(db, "INSERT INTO shards VALUES (?,?,?,?,?,?,?,?,?)");
  for (const auto& s : shards) {
    st.Reset();
    st.BindInt(1, s.db_id);
    if (s.db_url) st.BindText(2, *s.db_url); else st.BindNull(2);
    st.BindInt(3, s.attempt);
    st.BindInt(4, s.row_count);
    st.BindInt(5, s.db_bytes);
    BindOptionalKey(st, 6, s.min_key);
    BindOptionalKey(st, 7, s.max_key);
    if (s.checkpoint_id) st.BindText(8, *s.checkpoint_id); else st.BindNull(8);
    st.BindText(9, PythonJsonDumps(WriterInfoToJson(s.writer_info)));
    st.Step();
  }
  db.Exec("COMMIT");

  sqlite3_int64 size = 0;
  unsigned char* image = sqlite3_serialize(db.get(), "main", &size, 0);
  if (image == nullptr) db.Fail("cannot serialize the manifest database");
  std::string out(reinterpret_cast<const char*>(image), static_cast<size_t>(size));
  sqlite3_free(image);
  return out;
}

}  // namespace shardyfusion
