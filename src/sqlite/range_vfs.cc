#include "sqlite/range_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "shardyfusion/errors.h"

namespace shardyfusion::sqlite {
namespace {

thread_local std::exception_ptr t_last_error;

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::unordered_map<std::string, std::shared_ptr<RangeShardFile>>& Registry() {
  static auto* files = new std::unordered_map<std::string, std::shared_ptr<RangeShardFile>>();
  return *files;
}

// SQLite allocates szOsFile bytes and hands them to xOpen; `base` must come first.
struct VfsFile {
  sqlite3_file base;
  std::shared_ptr<RangeShardFile>* file;  // owned; deleted in xClose
};

RangeShardFile& FileOf(sqlite3_file* f) { return **reinterpret_cast<VfsFile*>(f)->file; }

int Close(sqlite3_file* f) {
  auto* vf = reinterpret_cast<VfsFile*>(f);
  delete vf->file;
  vf->file = nullptr;
  return SQLITE_OK;
}

int Read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  try {
    size_t got = FileOf(f).Read(static_cast<char*>(buf), static_cast<size_t>(amount),
                                static_cast<uint64_t>(offset));
    if (got < static_cast<size_t>(amount)) {
      // SQLite requires the unread tail zeroed on a short read.
      std::memset(static_cast<char*>(buf) + got, 0, static_cast<size_t>(amount) - got);
      return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
  } catch (...) {
    t_last_error = std::current_exception();
    return SQLITE_IOERR_READ;
  }
}

int Write(sqlite3_file*, const void*, int, sqlite3_int64) { return SQLITE_READONLY; }
int Truncate(sqlite3_file*, sqlite3_int64) { return SQLITE_READONLY; }
int Sync(sqlite3_file*, int) { return SQLITE_OK; }
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  *size = static_cast<sqlite3_int64>(FileOf(f).size());
  return SQLITE_OK;
}
int Lock(sqlite3_file*, int) { return SQLITE_OK; }  // the object is immutable
int Unlock(sqlite3_file*, int) { return SQLITE_OK; }
int CheckReservedLock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int FileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int SectorSize(sqlite3_file* f) { return static_cast<int>(FileOf(f).page_size()); }
int DeviceCharacteristics(sqlite3_file*) { return SQLITE_IOCAP_IMMUTABLE; }

// Version 1: no shared memory (no WAL) and no xFetch (nothing to memory-map).
sqlite3_io_methods MakeIoMethods() {
  sqlite3_io_methods m{};
  m.iVersion = 1;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  return m;
}
const sqlite3_io_methods kIoMethods = MakeIoMethods();

sqlite3_vfs* DefaultVfs() {
  static sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  return vfs;
}

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* vf = reinterpret_cast<VfsFile*>(f);
  vf->base.pMethods = nullptr;  // tells SQLite not to call xClose on failure
  vf->file = nullptr;
  // Only the main database exists; journals, WAL and temp files are never needed.
  if (name == nullptr || (flags & SQLITE_OPEN_MAIN_DB) == 0) return SQLITE_CANTOPEN;
  std::shared_ptr<RangeShardFile> file;
  {
    std::lock_guard lock(RegistryMutex());
    auto it = Registry().find(name);
    if (it == Registry().end()) return SQLITE_CANTOPEN;
    file = it->second;
  }
  vf->file = new std::shared_ptr<RangeShardFile>(std::move(file));
  vf->base.pMethods = &kIoMethods;
  if (out_flags) *out_flags = SQLITE_OPEN_READONLY;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char*, int) { return SQLITE_IOERR_DELETE; }
int Access(sqlite3_vfs*, const char*, int, int* out) {
  *out = 0;  // no -journal / -wal / -shm files, ever
  return SQLITE_OK;
}
int FullPathname(sqlite3_vfs*, const char* name, int n_out, char* out) {
  if (static_cast<int>(std::strlen(name)) >= n_out) return SQLITE_CANTOPEN;
  std::strcpy(out, name);
  return SQLITE_OK;
}
int Randomness(sqlite3_vfs*, int n, char* out) {
  return DefaultVfs()->xRandomness(DefaultVfs(), n, out);
}
int Sleep(sqlite3_vfs*, int us) { return DefaultVfs()->xSleep(DefaultVfs(), us); }
int CurrentTime(sqlite3_vfs*, double* t) { return DefaultVfs()->xCurrentTime(DefaultVfs(), t); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return DefaultVfs()->xGetLastError ? DefaultVfs()->xGetLastError(DefaultVfs(), n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* t) {
  if (DefaultVfs()->iVersion >= 2 && DefaultVfs()->xCurrentTimeInt64)
    return DefaultVfs()->xCurrentTimeInt64(DefaultVfs(), t);
  double d = 0;
  int rc = DefaultVfs()->xCurrentTime(DefaultVfs(), &d);
  *t = static_cast<sqlite3_int64>(d * 86400000.0);
  return rc;
}

void EnsureRegistered() {
  static std::once_flag once;
  std::call_once(once, [] {
    static sqlite3_vfs vfs{};
    vfs.iVersion = 2;
    vfs.szOsFile = sizeof(VfsFile);
    vfs.mxPathname = 512;
    vfs.zName = kRangeVfsName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK)
      throw SqliteAdapterError("cannot register the SQLite range VFS");
  });
}

}  // namespace

RangeVfsRegistration::RangeVfsRegistration(std::shared_ptr<RangeShardFile> file) {
  EnsureRegistered();
  static std::atomic<uint64_t> next_id{0};
  path_ = "/sf-range-" + std::to_string(++next_id) + "/shard.db";
  uri_ = std::string("file:") + path_ + "?vfs=" + kRangeVfsName + "&mode=ro&immutable=1";
  std::lock_guard lock(RegistryMutex());
  Registry().emplace(path_, std::move(file));
}

RangeVfsRegistration::~RangeVfsRegistration() {
  std::lock_guard lock(RegistryMutex());
  Registry().erase(path_);
}

std::exception_ptr TakeRangeVfsError() { return std::exchange(t_last_error, nullptr); }

}  // namespace shardyfusion::sqlite
