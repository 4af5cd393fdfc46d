#include "sqlite/sqlite_reader_kv.h"

#include "shardyfusion/errors.h"

namespace shardyfusion::sqlite {

SqliteErrorFactory ShardReadErrors(const std::string& db_url) {
  return [db_url](const std::string& message) {
    throw SqliteAdapterError("SQLite shard " + db_url + ": " + message);
  };
}

SqliteKvReader::SqliteKvReader(const std::string& uri, std::string db_url,
                               SqliteErrorFactory on_error, const std::vector<std::string>& pragmas,
                               std::shared_ptr<void> keepalive)
    : keepalive_(std::move(keepalive)),
      db_url_(std::move(db_url)),
      db_(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, std::move(on_error)) {
  for (const auto& pragma : pragmas) db_.Exec(pragma);
  // Preparing reads the schema, so a file that is not a shard fails here, at open.
  lookup_.emplace(db_, "SELECT v FROM kv WHERE k = ?");
}

SqliteKvReader::~SqliteKvReader() { Close(); }

std::optional<std::string> SqliteKvReader::Get(std::string_view key) { return Lookup(key); }

std::optional<std::string> SqliteKvReader::Lookup(std::string_view key) {
  if (!lookup_) throw ReaderStateError("SQLite shard reader for " + db_url_ + " is closed");
  // Reset even when Step throws, so the statement never stays mid-query.
  struct ResetOnExit {
    SqliteStatement& stmt;
    ~ResetOnExit() { stmt.Reset(); }
  } reset{*lookup_};
  lookup_->BindBlob(1, key);
  if (!lookup_->Step()) return std::nullopt;
  return std::string(lookup_->ColumnBytes(0));  // an empty BLOB is a hit: ""
}

std::vector<std::optional<std::string>> SqliteKvReader::MultiGet(
    std::span<const std::string> keys) {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(Lookup(key));
  return out;
}

void SqliteKvReader::Close() {
  lookup_.reset();
  db_.Close();
  keepalive_.reset();
}

}  // namespace shardyfusion::sqlite
