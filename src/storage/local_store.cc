// Local directory ObjectStore: key "a/b/c" is the file <root>/a/b/c.
//
// Atomicity: every write goes to a hidden temp file in the target's directory, is fsynced
// and renamed over the target, and the directory is fsynced, so readers in any process see
// the old object or the new one, never a torn mix, and a crash loses at most the new one.
//
// ETag: quoted hex of inode, size and mtime in ns.  It costs one stat, and it changes on
// every write: the rename brings a new inode (the old one is still alive when the new one
// is allocated) and we stamp mtime from the precise clock (see StampPreciseMtime).  Same
// bytes written twice get different ETags, unlike S3's MD5; callers only compare ETags.
//
// Conditional puts serialize on an flock of the directory's lock file.  Unconditional puts
// take no lock: racing one against a conditional put of the same key is last-rename-wins.
//
// Limitation: a key cannot also be a "directory" of other keys ("a" and "a/b"), since a
// path cannot be a file and a directory at once; such a put throws ObjectStoreError.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <optional>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "storage/file_util.h"
#include "storage/local_layout.h"
#include "storage/local_list.h"

namespace shardyfusion {
namespace {

using file_util::ThrowErrno;
using file_util::UniqueFd;
using local_layout::ETagOf;
using local_layout::IsMissing;
using local_layout::IsValidDirPart;
using local_layout::ValidateKey;

// Unlinks a temp file unless the rename consumed it.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

class LocalObjectStore : public ObjectStore {
 public:
  explicit LocalObjectStore(std::string root) : root_(std::move(root)) {
    try {
      file_util::MakeDirs(RootDir());
    } catch (const ObjectStoreError& e) {
      throw ObjectStoreError("local store: cannot create root " + RootDir(), e);
    }
  }

  std::string UrlFor(std::string_view key) const override {
    return "file://" + root_ + "/" + std::string(key);
  }

  PutResult Put(const std::string& key, std::string_view body, const PutOptions& options) override {
    return WriteObject(key, options,
                       [&](int fd, const std::string& tmp) { file_util::WriteAll(fd, body, tmp); });
  }

  PutResult PutFile(const std::string& key, const std::string& local_path,
                    const PutOptions& options) override {
    UniqueFd src = file_util::OpenRaw(local_path, O_RDONLY);
    if (!src.valid()) {
      int err = errno;
      ThrowErrno("local store: put '" + key + "': open", local_path, err);
    }
    return WriteObject(key, options, [&](int fd, const std::string& tmp) {
      file_util::CopyAll(src.get(), fd, local_path, tmp);
    });
  }

  std::optional<std::string> Get(const std::string& key) override {
    struct stat st;
    UniqueFd fd = OpenObject(key, &st);
    if (!fd.valid()) return std::nullopt;
    return file_util::PreadUpTo(fd.get(), 0, static_cast<uint64_t>(st.st_size), PathOf(key));
  }

  bool GetToFile(const std::string& key, const std::string& local_path) override {
    struct stat st;
    UniqueFd src = OpenObject(key, &st);
    if (!src.valid()) return false;
    // Temp + rename so an interrupted download never leaves a short file at local_path.
    std::string dir = file_util::ParentOf(local_path);
    std::string tmp;
    UniqueFd out = file_util::CreateTempFile(dir, &tmp);
    if (!out.valid()) ThrowErrno("create temp file in", dir, errno);
    TempFileGuard guard(tmp);
    file_util::CopyAll(src.get(), out.get(), PathOf(key), tmp);
    file_util::Fsync(out.get(), tmp);
    out.Reset();
    if (::rename(tmp.c_str(), local_path.c_str()) != 0) ThrowErrno("rename to", local_path, errno);
    guard.Release();
    return true;
  }

  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override {
    struct stat st;
    UniqueFd fd = OpenObject(key, &st);
    if (!fd.valid()) {
      throw ObjectNotFoundError("local store: get ranges of '" + key + "': no such object");
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    std::vector<std::string> out;
    out.reserve(ranges.size());
    for (const ByteRange& r : ranges) {
      if (r.offset >= size) {
        out.emplace_back();
        continue;
      }
      out.push_back(file_util::PreadUpTo(fd.get(), r.offset, std::min(r.length, size - r.offset),
                                         PathOf(key)));
    }
    return out;
  }

  std::optional<ObjectInfo> Head(const std::string& key) override {
    ValidateKey(key);
    std::string path = PathOf(key);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (IsMissing(errno)) return std::nullopt;
      ThrowErrno("stat", path, errno);
    }
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    return ObjectInfo{key, static_cast<uint64_t>(st.st_size), ETagOf(st)};
  }

  ListPage List(const std::string& prefix, const std::string& delimiter,
                const std::string& continuation_token, size_t max_keys) override {
    return local_layout::ListTree(RootDir(), prefix, delimiter, continuation_token, max_keys);
  }

  void Delete(const std::string& key) override {
    ValidateKey(key);
    std::string path = PathOf(key);
    if (::unlink(path.c_str()) != 0) {
      if (IsMissing(errno) || errno == EISDIR) return;
      ThrowErrno("delete", path, errno);
    }
    RemoveEmptyDirs(KeyDir(key));
  }

  // Removes the whole subtree, our hidden files included.  Puts racing into the same
  // subtree may fail (their temp file or directory vanishes) or survive; callers only
  // delete prefixes nobody writes to any more (finished or abandoned attempts).
  size_t DeletePrefix(const std::string& prefix) override {
    std::string dir = prefix;
    if (dir.empty() || dir.back() != '/') dir += '/';
    if (!IsValidDirPart(dir)) return 0;  // "" becomes "/": no key lies under it
    dir.pop_back();
    size_t count = file_util::RemoveTree(PathOf(dir));
    RemoveEmptyDirs(KeyDir(dir));
    return count;
  }

 private:
  // The root as a path to open ("/" when the store is rooted at the file system root).
  std::string RootDir() const { return root_.empty() ? "/" : root_; }
  std::string PathOf(std::string_view key) const { return root_ + "/" + std::string(key); }
  // Key directory part without the trailing '/' ("" for top-level keys).
  static std::string KeyDir(const std::string& key) {
    size_t slash = key.rfind('/');
    return slash == std::string::npos ? "" : key.substr(0, slash);
  }
  std::string DirPath(const std::string& key_dir) const {
    return key_dir.empty() ? RootDir() : PathOf(key_dir);
  }

  // Opens the object read-only; an invalid fd when it does not exist.
  UniqueFd OpenObject(const std::string& key, struct stat* st) const {
    ValidateKey(key);
    std::string path = PathOf(key);
    UniqueFd fd = file_util::OpenRaw(path, O_RDONLY | O_NONBLOCK);
    if (!fd.valid()) {
      if (IsMissing(errno)) return fd;
      ThrowErrno("open", path, errno);
    }
    if (::fstat(fd.get(), st) != 0) ThrowErrno("stat", path, errno);
    if (!S_ISREG(st->st_mode)) return UniqueFd();  // a directory is not an object
    return fd;
  }

  PutResult WriteObject(const std::string& key, const PutOptions& options,
                        const std::function<void(int, const std::string&)>& fill) {
    ValidateKey(key);
    const std::string path = PathOf(key);
    const std::string dir = DirPath(KeyDir(key));
    std::string tmp;
    UniqueFd fd;
    for (int attempt = 0;; ++attempt) {
      file_util::MakeDirs(dir);
      fd = file_util::CreateTempFile(dir, &tmp);
      if (fd.valid()) break;
      // ENOENT: a concurrent Delete removed the empty directory; make it again.
      if (errno != ENOENT || attempt >= 10) ThrowErrno("create temp file in", dir, errno);
    }
    TempFileGuard guard(tmp);
    fill(fd.get(), tmp);
    file_util::StampPreciseMtime(fd.get(), tmp);
    file_util::Fsync(fd.get(), tmp);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) ThrowErrno("stat", tmp, errno);
    fd.Reset();
    {
      std::optional<file_util::DirLock> lock;
      if (options.if_none_match || options.if_match) {
        lock.emplace(dir);
        CheckCondition(key, path, options);
      }
      if (::rename(tmp.c_str(), path.c_str()) != 0) ThrowErrno("rename to", path, errno);
      guard.Release();
    }
    file_util::FsyncDir(dir);
    return PutResult{ETagOf(st)};
  }

  static void CheckCondition(const std::string& key, const std::string& path,
                             const PutOptions& options) {
    struct stat st;
    std::optional<std::string> etag;
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode)) etag = ETagOf(st);
    } else if (!IsMissing(errno)) {
      ThrowErrno("stat", path, errno);
    }
    if (options.if_none_match && etag) {
      throw PreconditionFailedError("local store: put '" + key +
                                    "': object exists (If-None-Match: *)");
    }
    if (options.if_match && etag != options.if_match) {
      throw PreconditionFailedError("local store: put '" + key + "': ETag is " +
                                    etag.value_or("<missing>") + ", not " + *options.if_match);
    }
  }

  // rmdir from `key_dir` up to (not including) the root until one is not empty.
  void RemoveEmptyDirs(std::string key_dir) const {
    while (!key_dir.empty()) {
      if (::rmdir(PathOf(key_dir).c_str()) != 0) return;
      key_dir = KeyDir(key_dir);
    }
  }

  std::string root_;  // absolute, normalized, no trailing '/' ("" for "/")
};

}  // namespace

std::shared_ptr<ObjectStore> MakeLocalObjectStore(const std::string& root_dir) {
  if (root_dir.empty()) throw ObjectStoreError("local store: empty root directory");
  std::string root;
  try {
    root = std::filesystem::absolute(root_dir).lexically_normal().string();
  } catch (const std::filesystem::filesystem_error& e) {
    throw ObjectStoreError("local store: cannot resolve root '" + root_dir + "': " + e.what());
  }
  while (!root.empty() && root.back() == '/') root.pop_back();
  return std::make_shared<LocalObjectStore>(std::move(root));
}

}  // namespace shardyfusion
