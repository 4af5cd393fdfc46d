// How the local store maps keys to files: key validation, reserved names, ETags.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace shardyfusion::local_layout {

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Temp and lock files (file_util::kReservedPrefix): never keys, never listed.
bool IsReservedName(std::string_view name);

// Why `key` cannot name a file under the root, or nullptr when it can.  Rejected: empty,
// absolute, empty / "." / ".." / reserved segments, NUL bytes.  Dots inside a segment
// ("..._run_id=x") are fine.
const char* KeyProblem(std::string_view key);
// Throws ObjectStoreError naming the key and the problem.
void ValidateKey(const std::string& key);
// "" or "a/b/": a directory part some valid key could start with.
bool IsValidDirPart(std::string_view dir);

// Quoted hex of inode, size and mtime in ns (see local_store.cc for why that is enough).
std::string ETagOf(const struct stat& st);

// A missing path, or a path through a regular file: no such object.
inline bool IsMissing(int err) { return err == ENOENT || err == ENOTDIR; }

}  // namespace shardyfusion::local_layout
