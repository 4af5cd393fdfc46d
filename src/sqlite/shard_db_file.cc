#include "sqlite/shard_db_file.h"

#include <filesystem>
#include <fstream>

#include "shardyfusion/errors.h"
#include "sqlite/page_size.h"

namespace shardyfusion::sqlite {

SqliteErrorFactory ShardDbErrors(const std::string& path) {
  return [path](const std::string& message) {
    throw SqliteAdapterError("SQLite shard " + path + ": " + message);
  };
}

SqliteDb CreateShardDb(const std::string& path, uint32_t page_size, int64_t cache_size_pages) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix, ec);
    if (ec) throw SqliteAdapterError("cannot remove stale " + path + suffix + ": " + ec.message());
  }
  SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, ShardDbErrors(path));
  // page_size only takes effect before the first page is written, so it goes first.
  db.Exec("PRAGMA page_size = " + std::to_string(page_size));
  db.Exec("PRAGMA journal_mode = OFF");
  db.Exec("PRAGMA synchronous = OFF");
  db.Exec("PRAGMA cache_size = " + std::to_string(cache_size_pages));
  db.Exec("PRAGMA locking_mode = EXCLUSIVE");
  db.Exec("PRAGMA temp_store = MEMORY");
  db.Exec("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
  db.Exec("BEGIN");
  return db;
}

namespace {

int64_t QueryInt(const SqliteDb& db, std::string_view sql, int64_t bind = -1) {
  SqliteStatement stmt(db, sql);
  if (bind >= 0) stmt.BindInt(1, bind);
  if (!stmt.Step()) db.Fail(std::string("no row from ") + std::string(sql));
  return stmt.ColumnInt(0);
}

}  // namespace

uint32_t RepageToRecommended(const std::string& path) {
  // No CREATE flag: a vanished file must fail the seal, not become an empty shard.
  SqliteDb db(path, SQLITE_OPEN_READWRITE, ShardDbErrors(path));
  // VACUUM cannot change the page size of a WAL database; DELETE is also the file's
  // persistent mode, so this changes nothing a reader sees.
  db.Exec("PRAGMA journal_mode = DELETE");
  db.Exec("PRAGMA synchronous = OFF");
  auto current = static_cast<uint32_t>(QueryInt(db, "PRAGMA page_size"));
  int64_t rows = QueryInt(db, "SELECT count(*) FROM kv");
  if (rows == 0) return current;
  CellShape cell;
  cell.value_bytes = QueryInt(db, "SELECT length(v) FROM kv ORDER BY length(v) LIMIT 1 OFFSET ?",
                              NearestRankIndex(rows));
  cell.key_bytes = QueryInt(db, "SELECT coalesce(max(length(k)), 0) FROM kv");
  uint32_t target = RecommendPageSize(cell);
  if (target == current) return current;
  db.Exec("PRAGMA page_size = " + std::to_string(target));
  db.Exec("VACUUM");
  db.Close();
  uint32_t actual = ReadHeaderPageSize(path);
  if (actual != target)
    throw SqliteAdapterError("VACUUM left " + path + " at page size " + std::to_string(actual) +
                             ", expected " + std::to_string(target));
  return actual;
}

uint32_t ReadHeaderPageSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[100] = {};
  if (!in.read(header, sizeof header))
    throw SqliteAdapterError("cannot read the SQLite header of " + path);
  auto size = PageSizeFromHeader(std::string_view(header, sizeof header));
  if (!size) throw SqliteAdapterError("invalid page size in the SQLite header of " + path);
  return *size;
}

int64_t FileSizeOrThrow(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw SqliteAdapterError("cannot stat " + path + ": " + ec.message());
  return static_cast<int64_t>(size);
}

}  // namespace shardyfusion::sqlite
