#include "storage/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <utility>
#include <vector>

#include "core/fd_limit.h"
#include "shardyfusion/errors.h"

namespace shardyfusion::file_util {
namespace {

uint64_t RandomU64() {
  // Seeded per thread; the pid in the name keeps forked children apart.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void ThrowErrno(std::string_view what, const std::string& path, int err) {
  throw ObjectStoreError(std::string(what) + " " + path + ": " + std::strerror(err) + fd_limit::TooManyFilesHint(err));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);  // close(2) must not be retried on Linux, even on EINTR
  fd_ = -1;
}

UniqueFd OpenRaw(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return UniqueFd(fd);
}

void WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string PreadUpTo(int fd, uint64_t offset, uint64_t length, const std::string& path) {
  std::string out(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("read", path, errno);
    }
    if (n == 0) break;  // end of file
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  return out;
}

void CopyAll(int in, int out, const std::string& in_path, const std::string& out_path) {
  // copy_file_range lets the kernel (or a reflinking file system) do the work; it is not
  // available across every pair of file systems, so fall back to a read/write loop.
  loff_t in_off = 0;
  for (;;) {
    ssize_t n = ::copy_file_range(in, &in_off, out, nullptr, 1 << 30, 0);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
        errno == EPERM) {
      break;
    }
    ThrowErrno("copy " + in_path + " to", out_path, errno);
  }
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::pread(in, buf.data(), buf.size(), in_off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("read", in_path, errno);
    }
    if (n == 0) return;
    WriteAll(out, std::string_view(buf.data(), static_cast<size_t>(n)), out_path);
    in_off += n;
  }
}

void Fsync(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) ThrowErrno("fsync", path, errno);
  }
}

void FsyncDir(const std::string& dir) {
  UniqueFd fd = OpenRaw(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.valid()) ThrowErrno("open directory", dir, errno);
  Fsync(fd.get(), dir);
}

void MakeDirs(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return;
      ThrowErrno("create directory", dir, ENOTDIR);
    }
    if (errno != ENOENT) ThrowErrno("stat", dir, errno);
    std::string parent = ParentOf(dir);
    if (parent != dir) MakeDirs(parent);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      FsyncDir(parent);  // parent now holds `dir`, so a concurrent cleanup cannot remove it
      return;
    }
    if (errno == EEXIST) continue;
    // A concurrent Delete removed the (empty) parent between our mkdirs: build it again.
    if (errno == ENOENT && attempt < 10) continue;
    ThrowErrno("create directory", dir, errno);
  }
}

size_t RemoveTree(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return 0;
    ThrowErrno("list directory", dir, errno);
  }
  std::vector<std::pair<std::string, bool>> children;  // name, is_dir
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir =
          ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    children.emplace_back(std::string(name), is_dir);
  }
  ::closedir(d);
  size_t count = 0;
  for (const auto& [name, is_dir] : children) {
    std::string path = dir + "/" + name;
    if (is_dir) {
      count += RemoveTree(path);
    } else if (::unlink(path.c_str()) == 0) {
      if (name.compare(0, kReservedPrefix.size(), kReservedPrefix) != 0) ++count;
    } else if (errno != ENOENT) {
      ThrowErrno("delete", path, errno);
    }
  }
  // ENOTEMPTY: a concurrent writer added an entry; leave it be.
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
    ThrowErrno("remove directory", dir, errno);
  }
  return count;
}

UniqueFd CreateTempFile(const std::string& dir, std::string* path) {
  for (int attempt = 0;; ++attempt) {
    char name[64];
    std::snprintf(name, sizeof(name), "%.*s%d.%016llx", static_cast<int>(kReservedPrefix.size()),
                  kReservedPrefix.data(), static_cast<int>(::getpid()),
                  static_cast<unsigned long long>(RandomU64()));
    *path = dir + "/" + name;
    UniqueFd fd = OpenRaw(*path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd.valid() || errno != EEXIST || attempt >= 100) return fd;
  }
}

void StampPreciseMtime(int fd, const std::string& path) {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  ::clock_gettime(CLOCK_REALTIME, &times[1]);
  if (::futimens(fd, times) != 0) ThrowErrno("set mtime of", path, errno);
}

DirLock::DirLock(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kLockFileName);
  for (;;) {
    UniqueFd fd = OpenRaw(path, O_RDWR | O_CREAT, 0644);
    if (!fd.valid()) ThrowErrno("open lock file", path, errno);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) ThrowErrno("lock", path, errno);
    }
    // If the file was unlinked (and maybe recreated) while we waited, our lock guards an
    // orphaned inode that others no longer see: start over.
    struct stat by_fd, by_path;
    if (::fstat(fd.get(), &by_fd) != 0) ThrowErrno("stat lock file", path, errno);
    if (::stat(path.c_str(), &by_path) == 0 && by_path.st_ino == by_fd.st_ino &&
        by_path.st_dev == by_fd.st_dev) {
      fd_ = std::move(fd);
      return;
    }
  }
}

DirLock::~DirLock() = default;  // closing the fd releases the flock

}  // namespace shardyfusion::file_util
