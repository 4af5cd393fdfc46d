// SQLite shard backend, writer side: builds `<local_dir>/shard.db` (format.md §4.1-4.3),
// then on Close uploads it to `<db_url>/shard.db` and, best effort, a page-cache sidecar
// to `<db_url>/shard.sidecar` bound to the uploaded object's ETag (§4.6).
//
// Rows must arrive in ascending key order, each key once (the pipeline merges and
// de-duplicates): they are laid out as SQLite pages directly (sqlite/btree_file_builder.h),
// so a build costs no SQL and memory does not grow with the row count.
//
// Failures: SQLite and file errors, and rows out of order, throw SqliteAdapterError (not
// retryable) naming the file; object store errors propagate unchanged so a transient
// upload failure stays retryable.  A failed Seal poisons the writer: Close then throws and uploads
// nothing.  A sidecar failure is logged (LogEvent, warning) and never fails the shard.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "shardyfusion/store_resolver.h"
#include "writer/shard_writer.h"

namespace shardyfusion {

struct SqliteWriterOptions {
  // One of 4096, 8192, 16384, 32768, 65536.  Must be 0 (or the default 4096, the starting
  // size) when auto_page_size is set.
  int page_size = 4096;
  // "auto": build at 4096, then after sealing re-page (PRAGMA page_size + VACUUM) to the
  // size recommended from the p95 value length and the max key length.
  bool auto_page_size = false;
  bool emit_sidecar = true;
  // Resolves db_url to a store; null means DefaultStoreResolver().
  std::shared_ptr<StoreResolver> resolver;

  static SqliteWriterOptions Auto() {
    SqliteWriterOptions o;
    o.page_size = 0;
    o.auto_page_size = true;
    return o;
  }
};

// Thread-safe: Open may be called concurrently; each writer is driven by one thread.
class SqliteShardWriterFactory : public ShardWriterFactory {
 public:
  // Throws ConfigValidationError naming the offending field and value.
  explicit SqliteShardWriterFactory(SqliteWriterOptions options);

  // Creates `local_dir` if needed and replaces any stale `shard.db` in it.  Throws
  // SqliteAdapterError when the database cannot be created.
  std::unique_ptr<ShardWriter> Open(const std::string& db_url,
                                    const std::string& local_dir) override;
  // {"sqlite_sidecar": {...}} when emit_sidecar is on, else "{}".
  std::string ManifestCustomFields() const override;

  const SqliteWriterOptions& options() const { return options_; }

 private:
  SqliteWriterOptions options_;
};

}  // namespace shardyfusion
