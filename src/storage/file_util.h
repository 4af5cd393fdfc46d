// POSIX file helpers for the local object store: full reads/writes that survive short
// transfers and EINTR, fsync, temp files, directory creation and an flock guard.
// Failures throw ObjectStoreError naming the path and strerror(errno).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shardyfusion::file_util {

// Names starting with this are ours (temp files, lock files): never object keys, never listed.
inline constexpr std::string_view kReservedPrefix = ".sf-tmp.";
// Per-directory lock file serializing conditional puts.
inline constexpr std::string_view kLockFileName = ".sf-tmp.lock";

// Throws ObjectStoreError("<what> <path>: <strerror(err)>").
[[noreturn]] void ThrowErrno(std::string_view what, const std::string& path, int err);

// Directory part of `path` ("." when it has none, "/" for top-level entries).
std::string ParentOf(const std::string& path);

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();

 private:
  int fd_ = -1;
};

// open(2) retried on EINTR; returns an invalid fd and sets errno on failure.
UniqueFd OpenRaw(const std::string& path, int flags, mode_t mode = 0);

// Writes all of `data`, looping on short writes and EINTR.
void WriteAll(int fd, std::string_view data, const std::string& path);
// Reads up to `length` bytes at `offset`, stopping early only at end of file.
std::string PreadUpTo(int fd, uint64_t offset, uint64_t length, const std::string& path);
// Copies `in` (from its start) to the current position of `out` until EOF.
void CopyAll(int in, int out, const std::string& in_path, const std::string& out_path);

void Fsync(int fd, const std::string& path);
// fsync of a directory makes a rename or a new entry in it durable.
void FsyncDir(const std::string& dir);

// mkdir -p; every directory created is made durable by syncing its parent.
void MakeDirs(const std::string& dir);

// Removes `dir` and everything under it (symlinks are removed, not followed).  Returns
// how many files were removed, not counting ours (reserved prefix).  Missing dir: 0.
size_t RemoveTree(const std::string& dir);

// Creates `<dir>/.sf-tmp.<pid>.<random>` exclusively.  Sets errno and returns an invalid
// fd on failure (ENOENT lets the caller recreate a directory removed under it).
UniqueFd CreateTempFile(const std::string& dir, std::string* path);

// Sets the mtime to the precise realtime clock: the kernel stamps files with a
// tick-granular clock, which would let two quick writes share a timestamp (and an ETag).
void StampPreciseMtime(int fd, const std::string& path);

// Exclusive flock on `<dir>/.sf-tmp.lock`, held until destruction.  The lock file is
// re-checked after locking so a concurrent unlink of it cannot split the lock.
class DirLock {
 public:
  explicit DirLock(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  UniqueFd fd_;
};

}  // namespace shardyfusion::file_util
