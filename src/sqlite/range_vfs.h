// A read-only SQLite VFS over RangeShardFile (format.md §4.4).  One sqlite3_vfs is
// registered per process under kRangeVfsName; each reader registers its RangeShardFile
// under a unique path and opens that path through the VFS.
//
// The VFS reports no -journal/-wal files, sector size = page size, no-op locks, and fails
// every write.  Exceptions cannot cross SQLite's C callbacks, so a failed read is parked
// per thread and the caller rethrows it (TakeRangeVfsError) after SQLite reports the I/O
// error: store errors reach the user unchanged.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "sqlite/range_shard_file.h"

namespace shardyfusion::sqlite {

inline constexpr const char* kRangeVfsName = "shardyfusion-range";

// Keeps `file` openable through the VFS while alive.  Thread-safe.
class RangeVfsRegistration {
 public:
  explicit RangeVfsRegistration(std::shared_ptr<RangeShardFile> file);
  ~RangeVfsRegistration();
  RangeVfsRegistration(const RangeVfsRegistration&) = delete;
  RangeVfsRegistration& operator=(const RangeVfsRegistration&) = delete;

  // URI for sqlite3_open_v2(..., SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr):
  // read-only, immutable, through this VFS.
  const std::string& uri() const { return uri_; }

 private:
  std::string path_;
  std::string uri_;
};

// The exception a VFS callback caught on this thread since the last call, or null.
std::exception_ptr TakeRangeVfsError();

}  // namespace shardyfusion::sqlite
