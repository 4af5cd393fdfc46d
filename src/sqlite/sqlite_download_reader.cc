#include "sqlite/sqlite_download_reader.h"

#include <cctype>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "sqlite/shard_cache.h"
#include "sqlite/sqlite_reader_kv.h"

namespace shardyfusion {
namespace {

// Percent-encodes what a "file:" URI path may not contain literally.
std::string FileUri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~' || c == '=') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += kHex[c >> 4];
      uri += kHex[c & 15];
    }
  }
  // immutable: the file is never modified in place (replacements are renames), so SQLite
  // may skip locking and change detection.
  return uri + "?mode=ro&immutable=1";
}

}  // namespace

SqliteDownloadReaderFactory::SqliteDownloadReaderFactory(SqliteDownloadReaderOptions options)
    : options_(std::move(options)) {
  if (options_.mmap_size < 0)
    throw ConfigValidationError("mmap_size must be >= 0, got " +
                                std::to_string(options_.mmap_size));
  if (options_.cache_size_kib < 0)
    throw ConfigValidationError("cache_size_kib must be >= 0, got " +
                                std::to_string(options_.cache_size_kib));
  if (!options_.resolver) options_.resolver = DefaultStoreResolver();
}

std::unique_ptr<ShardReader> SqliteDownloadReaderFactory::Open(
    const std::string& db_url, const std::string& local_dir,
    const std::optional<std::string>& checkpoint_id, const ParsedManifest&) {
  auto lease =
      sqlite::ShardCacheLease::Acquire(*options_.resolver, db_url, local_dir, checkpoint_id,
                                       options_.keep_previous_version);
  const std::vector<std::string> pragmas = {
      "PRAGMA mmap_size = " + std::to_string(options_.mmap_size),
      "PRAGMA cache_size = -" + std::to_string(options_.cache_size_kib), "PRAGMA query_only = 1",
      // One read transaction for the connection's life (the file never changes): each
      // lookup then skips starting and ending its own, and with it a process-wide SQLite
      // mutex taken at every autocommit end (unlock-notify builds, e.g. Debian's).
      "BEGIN"};
  auto open = [&] {
    return std::make_unique<sqlite::SqliteKvReader>(FileUri(lease.db_path()), db_url,
                                                    sqlite::ShardReadErrors(db_url), pragmas);
  };
  // Opened while the lease holds the lock, so the file cannot be swapped in between.
  try {
    return open();
  } catch (const SqliteAdapterError& e) {
    if (lease.downloaded()) throw;
    // A cached copy can pass the size check and still be damaged: fetch it once more.
    LogEvent(LogLevel::kWarning, "sqlite_cache_rejected",
             {{"db_url", db_url}, {"local_dir", local_dir}, {"error", e.what()}});
    lease.Redownload();
    return open();
  }
}

}  // namespace shardyfusion
