// SlateDB shard backend, writer side (format.md §5): the database root is the attempt URL
// itself (no shard.db).  Batches go straight to SlateDB; Flush makes the WAL durable; Seal
// does nothing more; Close shuts the database down.  db_bytes is 0.
//
// Failures: a store outage ("unavailable") throws a retryable DbAdapterError, so the
// attempt is retried; anything else a non-retryable one.  After a failure the writer is
// poisoned: Seal and Close throw, and nothing more is written.
#pragma once

#include <memory>
#include <string>

#include "shardyfusion/shard_backend.h"
#include "shardyfusion/store_resolver.h"
#include "writer/shard_writer.h"

namespace shardyfusion {

// `options.settings` as one JSON object for the bridge ("" when empty).  Throws
// ConfigValidationError naming a value that is not a JSON literal.
std::string SlateDbSettingsJson(const SlateDbWriteOptions& options);

// Thread-safe: Open may be called concurrently; each writer is driven by one thread.
class SlateDbShardWriterFactory : public ShardWriterFactory {
 public:
  // `resolver` null: DefaultStoreResolver().  Settings are checked by the first Open.
  SlateDbShardWriterFactory(SlateDbWriteOptions options, std::shared_ptr<StoreResolver> resolver);

  std::unique_ptr<ShardWriter> Open(const std::string& db_url,
                                    const std::string& local_dir) override;

  // The writer behind both factories: a SlateDB database at `bridge_url` (s3:// or an
  // absolute local path), reported under `db_url` in errors.
  static std::unique_ptr<ShardWriter> OpenAt(StoreResolver& resolver, const std::string& db_url,
                                             const std::string& settings_json);

 private:
  SlateDbWriteOptions options_;
  std::shared_ptr<StoreResolver> resolver_;
  std::string settings_json_;  // options_.settings as one JSON object, "" when empty
};

}  // namespace shardyfusion
