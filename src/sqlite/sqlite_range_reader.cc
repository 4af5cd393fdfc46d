#include "sqlite/sqlite_range_reader.h"

#include <algorithm>

#include "shardyfusion/errors.h"
#include "sqlite/range_vfs.h"

namespace shardyfusion {
namespace {

// A failed VFS read parks the real cause (e.g. S3TransientError); rethrow it unchanged
// instead of SQLite's generic "disk I/O error".
SqliteErrorFactory RangeReadErrors(const std::string& db_url) {
  return [db_url](const std::string& message) {
    if (auto cause = sqlite::TakeRangeVfsError()) std::rethrow_exception(cause);
    throw SqliteAdapterError("SQLite shard " + db_url + " (range): " + message);
  };
}

}  // namespace

SqliteRangeReader::SqliteRangeReader(std::shared_ptr<sqlite::RangeShardFile> file,
                                     const std::string& db_url)
    : SqliteRangeReader(file, db_url, std::make_shared<sqlite::RangeVfsRegistration>(file)) {}

SqliteRangeReader::SqliteRangeReader(std::shared_ptr<sqlite::RangeShardFile> file,
                                     const std::string& db_url,
                                     std::shared_ptr<sqlite::RangeVfsRegistration> registration)
    : SqliteKvReader(registration->uri(), db_url, RangeReadErrors(db_url),
                     {"PRAGMA query_only = 1"}, registration),
      file_(std::move(file)) {
  SqliteStatement root(db(), "SELECT rootpage FROM sqlite_schema WHERE name = 'kv'");
  if (root.Step()) kv_root_ = static_cast<uint32_t>(root.ColumnInt(0));
  // A batch's predicted pages (a leaf and a few chains per key) must fit the LRU, or they
  // would be evicted before SQLite reads them.
  batch_keys_ = std::max<size_t>(1, file_->cache_capacity() / 32);
}

std::optional<std::string> SqliteRangeReader::Get(std::string_view key) {
  sqlite::TakeRangeVfsError();  // drop any stale cause so it cannot mask this lookup's
  std::string owned(key);
  if (!closed()) file_->Prefetch(std::span(&owned, 1), kv_root_);
  return Lookup(key);
}

std::vector<std::optional<std::string>> SqliteRangeReader::MultiGet(
    std::span<const std::string> keys) {
  sqlite::TakeRangeVfsError();
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (size_t at = 0; at < keys.size(); at += batch_keys_) {
    auto batch = keys.subspan(at, std::min(batch_keys_, keys.size() - at));
    if (!closed()) file_->Prefetch(batch, kv_root_);
    for (const auto& key : batch) out.push_back(Lookup(key));
  }
  return out;
}

SqliteRangeReaderFactory::SqliteRangeReaderFactory(SqliteRangeReaderOptions options)
    : options_(std::move(options)) {
  if (!options_.resolver) options_.resolver = DefaultStoreResolver();
}

std::unique_ptr<ShardReader> SqliteRangeReaderFactory::Open(const std::string& db_url,
                                                            const std::string&,
                                                            const std::optional<std::string>&,
                                                            const ParsedManifest&) {
  sqlite::RangeFileOptions file_options;
  file_options.page_cache_pages = options_.page_cache_pages;
  file_options.use_sidecar = options_.use_sidecar;
  auto file = sqlite::RangeShardFile::Open(*options_.resolver, db_url, file_options);
  return std::make_unique<SqliteRangeReader>(std::move(file), db_url);
}

}  // namespace shardyfusion
