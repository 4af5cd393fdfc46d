// SlateDB shards built locally, then uploaded (format.md §1.4 LocalSlateDbFactory): the
// database lives in `<local_dir>/_slatedb_store`; Seal shuts it down and measures it
// (db_bytes = local size); Close PUTs every file to `<db_url>/<relative path>`.  Readers
// cannot tell the difference from a direct SlateDB shard.
//
// Upload failures propagate unchanged (a transient one stays retryable) and leave the
// writer sealed, so Close can be retried.
#pragma once

#include <memory>
#include <string>

#include "shardyfusion/shard_backend.h"
#include "shardyfusion/store_resolver.h"
#include "writer/shard_writer.h"

namespace shardyfusion {

// Thread-safe: Open may be called concurrently; each writer is driven by one thread.
class LocalSlateDbShardWriterFactory : public ShardWriterFactory {
 public:
  LocalSlateDbShardWriterFactory(SlateDbWriteOptions options,
                                 std::shared_ptr<StoreResolver> resolver);

  // Creates `local_dir` and removes a stale `_slatedb_store` in it.
  std::unique_ptr<ShardWriter> Open(const std::string& db_url,
                                    const std::string& local_dir) override;

 private:
  std::shared_ptr<StoreResolver> resolver_;
  std::string settings_json_;
};

}  // namespace shardyfusion
