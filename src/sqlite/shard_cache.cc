#include "sqlite/shard_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/fd_limit.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "sqlite/shard_db_file.h"

namespace shardyfusion::sqlite {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void ThrowLocal(const std::string& what, const std::string& path, int err) {
  throw SqliteAdapterError("shard cache: " + what + " " + path + ": " + std::strerror(err) + fd_limit::TooManyFilesHint(err));
}

// file_util reports ObjectStoreError; for the local cache that is an adapter failure.
template <typename F>
void Local(const std::string& what, F&& f) {
  try {
    f();
  } catch (const ObjectStoreError& e) {
    throw SqliteAdapterError("shard cache: " + what, e);
  }
}

file_util::UniqueFd LockDir(const std::string& dir) {
  std::string path = dir + "/" + std::string(kCacheLockFileName);
  auto fd = file_util::OpenRaw(path, O_RDWR | O_CREAT, 0644);
  if (!fd.valid()) ThrowLocal("cannot open lock file", path, errno);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) ThrowLocal("cannot lock", path, errno);
  }
  return fd;
}

std::optional<ShardCacheIdentity> ReadIdentity(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return DecodeCacheIdentity(text.str());
}

void RemoveOrThrow(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) ThrowLocal("cannot remove", path, errno);
}

// Leftovers of interrupted downloads: every writer of these holds the lock we hold now.
void RemoveStaleTemps(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(std::string(kShardDbFileName) + ".tmp.") ||
        name.starts_with(std::string(kCacheIdentityFileName) + ".tmp.") ||
        name.starts_with(std::string(kPreviousIdentityFileName) + ".tmp."))
      fs::remove(entry.path(), ec);
  }
}

}  // namespace

ShardCacheLease::ShardCacheLease(StoreResolver& resolver, std::string db_url, std::string local_dir,
                                 ShardCacheIdentity identity)
    : resolver_(&resolver),
      db_url_(std::move(db_url)),
      dir_(std::move(local_dir)),
      db_path_(dir_ + "/" + std::string(kShardDbFileName)),
      identity_path_(dir_ + "/" + std::string(kCacheIdentityFileName)),
      prev_db_path_(dir_ + "/" + std::string(kPreviousShardDbFileName)),
      prev_identity_path_(dir_ + "/" + std::string(kPreviousIdentityFileName)),
      identity_(std::move(identity)) {}

ShardCacheLease ShardCacheLease::Acquire(StoreResolver& resolver, const std::string& db_url,
                                         const std::string& local_dir,
                                         const std::optional<std::string>& checkpoint_id,
                                         bool keep_previous) {
  if (local_dir.empty())
    throw SqliteAdapterError("shard cache: no local directory given for " + db_url);
  std::error_code ec;
  std::string dir = fs::absolute(local_dir, ec).lexically_normal().string();
  if (ec) dir = local_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  fs::create_directories(dir, ec);
  if (ec) throw SqliteAdapterError("shard cache: cannot create " + dir + ": " + ec.message());
  ShardCacheLease lease(resolver, db_url, dir, ShardCacheIdentity{db_url, checkpoint_id});
  lease.lock_ = LockDir(dir);
  // Re-checked under the lock: another process may have replaced the file meanwhile.
  auto cached = ReadIdentity(lease.identity_path_);
  const std::string file_problem = cached ? CheckShardDbFile(lease.db_path_) : "";
  if (cached && *cached == lease.identity_ && file_problem.empty()) return lease;
  if (keep_previous && cached && *cached != lease.identity_ && file_problem.empty()) lease.demotable_ = cached;
  if (keep_previous && ReadIdentity(lease.prev_identity_path_) == lease.identity_ &&
      CheckShardDbFile(lease.prev_db_path_).empty()) {
    LogEvent(LogLevel::kDebug, "sqlite_cache_swap_in_previous", {{"db_url", db_url}, {"local_dir", dir}});
    lease.SwapInPrevious();
    return lease;
  }
  const std::string problem = !cached ? "no identity" : *cached != lease.identity_ ? "identity changed" : file_problem;
  LogEvent(LogLevel::kDebug, "sqlite_cache_download",
           {{"db_url", db_url}, {"local_dir", dir}, {"reason", problem}});
  lease.Download();
  return lease;
}

void ShardCacheLease::Redownload() { Download(); }

void ShardCacheLease::Download() {
  RemoveStaleTemps(dir_);
  std::string base = db_url_;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto object = resolver_->Resolve(base + "/" + std::string(kShardDbFileName));
  const std::string url = object.store->UrlFor(object.key);
  const std::string tmp = db_path_ + ".tmp." + std::to_string(::getpid());
  struct RemoveOnExit {
    const std::string& path;
    bool keep = false;
    ~RemoveOnExit() {
      if (!keep) ::unlink(path.c_str());
    }
  } guard{tmp};
  // Every store's GetToFile loops until all bytes are written (short writes once left
  // truncated caches that readers trusted).
  if (!object.store->GetToFile(object.key, tmp))
    throw DbAdapterError("SQLite shard object " + url + " does not exist");
  Local("fsync " + tmp, [&] {
    auto fd = file_util::OpenRaw(tmp, O_RDONLY);
    if (!fd.valid()) file_util::ThrowErrno("open", tmp, errno);
    file_util::Fsync(fd.get(), tmp);
  });
  if (std::string why = CheckShardDbFile(tmp); !why.empty())
    throw SqliteAdapterError("SQLite shard object " + url + " is not a usable database: " + why);
  // Identities first: while files move, none vouches for a file it does not describe.
  RemoveOrThrow(identity_path_);
  if (demotable_) RemoveOrThrow(prev_identity_path_);
  Local("sync " + dir_, [&] { file_util::FsyncDir(dir_); });
  if (demotable_ && ::rename(db_path_.c_str(), prev_db_path_.c_str()) != 0)
    ThrowLocal("cannot rename to", prev_db_path_, errno);
  if (::rename(tmp.c_str(), db_path_.c_str()) != 0) ThrowLocal("cannot rename to", db_path_, errno);
  guard.keep = true;
  WriteIdentities();
  downloaded_ = true;
}

// shard.prev.db holds the wanted version: it becomes shard.db, and a complete shard.db of
// another version becomes the previous one.  Both identities are removed first, so a crash
// in between leaves files no identity vouches for (downloaded again), never a wrong match.
void ShardCacheLease::SwapInPrevious() {
  RemoveStaleTemps(dir_);
  RemoveOrThrow(identity_path_);
  RemoveOrThrow(prev_identity_path_);
  Local("sync " + dir_, [&] { file_util::FsyncDir(dir_); });
  // Named like a download temp, so an interrupted swap is cleaned up like one.
  const std::string parked = db_path_ + ".tmp.swap." + std::to_string(::getpid());
  if (demotable_ && ::rename(db_path_.c_str(), parked.c_str()) != 0) ThrowLocal("cannot rename to", parked, errno);
  if (::rename(prev_db_path_.c_str(), db_path_.c_str()) != 0) ThrowLocal("cannot rename to", db_path_, errno);
  if (demotable_ && ::rename(parked.c_str(), prev_db_path_.c_str()) != 0)
    ThrowLocal("cannot rename to", prev_db_path_, errno);
  WriteIdentities();
}

// Writes shard.identity.json (and shard.prev.identity.json for a demoted version) once the
// files they describe are in place.  Three directory syncs order a swap or download: the
// identities' removal, the files' renames, then the new identities.  The identity files
// themselves are not fsynced: one torn by a crash is not valid JSON, which means "download
// again", never a match.
void ShardCacheLease::WriteIdentities() {
  Local("sync " + dir_, [&] { file_util::FsyncDir(dir_); });
  if (demotable_) WriteIdentity(prev_identity_path_, *std::exchange(demotable_, std::nullopt));
  WriteIdentity(identity_path_, identity_);
  Local("sync " + dir_, [&] { file_util::FsyncDir(dir_); });
}

void ShardCacheLease::WriteIdentity(const std::string& path, const ShardCacheIdentity& identity) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Local("write " + path, [&] {
    auto fd = file_util::OpenRaw(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!fd.valid()) file_util::ThrowErrno("create", tmp, errno);
    file_util::WriteAll(fd.get(), EncodeCacheIdentity(identity), tmp);
  });
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    ThrowLocal("cannot rename to", path, errno);
  }
}

}  // namespace shardyfusion::sqlite
