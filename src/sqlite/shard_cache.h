// The download reader's per-shard local cache directory (format.md §1.10):
//   <local_dir>/shard.db              the cached copy of <db_url>/shard.db
//   <local_dir>/shard.identity.json   {"checkpoint_id": ..., "db_url": ...}
//   <local_dir>/.cache.lock           exclusive flock held while the cache is checked,
//                                     replaced, and the database is opened
//   <local_dir>/shard.prev.db, shard.prev.identity.json
//                                     the version before (optional): a refresh back to it,
//                                     e.g. a rollback, swaps the two instead of downloading
// Safe across threads and processes sharing a directory: everything happens under the
// flock, identities are re-checked inside it, downloads go to shard.db.tmp.<pid> (fsync,
// rename), and an identity is removed before its file is replaced and rewritten after, so
// a crash never leaves an identity describing a different file.
#pragma once

#include <optional>
#include <string>

#include "shardyfusion/store_resolver.h"
#include "sqlite/shard_cache_file.h"
#include "storage/file_util.h"

namespace shardyfusion::sqlite {

// A locked, verified cache directory.  Open the database before dropping the lease: a
// process replacing shard.db afterwards only renames over it, so an open file keeps
// pointing at the copy verified here.  Movable, not thread-safe.
class ShardCacheLease {
 public:
  // Creates `local_dir` if needed, takes the lock, and reuses shard.db when the identity
  // matches and the file is structurally complete; else, with `keep_previous`, swaps in
  // the previous version when that is the one asked for; otherwise downloads it (and, with
  // `keep_previous`, keeps the replaced version as the previous one).  A missing
  // object throws DbAdapterError naming the URL; a downloaded file that is not a SQLite
  // database throws SqliteAdapterError (nothing is cached); local file-system failures
  // throw SqliteAdapterError; store errors propagate unchanged.
  static ShardCacheLease Acquire(StoreResolver& resolver, const std::string& db_url,
                                 const std::string& local_dir,
                                 const std::optional<std::string>& checkpoint_id,
                                 bool keep_previous = false);

  // Downloads again although the cached copy looked complete (SQLite rejected it).
  void Redownload();

  const std::string& db_path() const { return db_path_; }
  bool downloaded() const { return downloaded_; }  // false: a cached copy was reused

 private:
  ShardCacheLease(StoreResolver& resolver, std::string db_url, std::string local_dir,
                  ShardCacheIdentity identity);
  void Download();
  void SwapInPrevious();
  void WriteIdentities();
  void WriteIdentity(const std::string& path, const ShardCacheIdentity& identity);

  StoreResolver* resolver_;
  std::string db_url_;
  std::string dir_;
  std::string db_path_;
  std::string identity_path_;
  std::string prev_db_path_;
  std::string prev_identity_path_;
  ShardCacheIdentity identity_;
  // A complete shard.db of another version, which a download demotes instead of dropping.
  std::optional<ShardCacheIdentity> demotable_;
  file_util::UniqueFd lock_;
  bool downloaded_ = false;
};

}  // namespace shardyfusion::sqlite
