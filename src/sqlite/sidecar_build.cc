// Sidecar producer.  Page classification uses SQLite's dbstat virtual table (Debian's
// libsqlite3 is built with SQLITE_ENABLE_DBSTAT_VTAB); page bytes are read straight from
// the file, which is safe because the writer's file is a closed rollback-journal database.
#include <fcntl.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/sqlite_handle.h"
#include "sqlite/page_size.h"
#include "sqlite/sidecar.h"
#include "sqlite/sidecar_internal.h"
#include "storage/file_util.h"

namespace shardyfusion::sqlite {
namespace {

constexpr std::string_view kSqliteMagic{"SQLite format 3\0", 16};

[[noreturn]] void Unavailable(const std::string& path, const std::string& why) {
  throw SidecarUnavailableError("no sidecar for " + path + ": " + why);
}

std::vector<uint32_t> PageList(const SqliteDb& db, std::string_view sql) {
  std::vector<uint32_t> out;
  SqliteStatement stmt(db, sql);
  while (stmt.Step()) out.push_back(static_cast<uint32_t>(stmt.ColumnInt(0)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Heads are overflow pages nobody links to; each walk follows the big-endian next pointer
// in the page's first 4 bytes and stops at 0, at a non-overflow page or on a repeat.
std::vector<std::vector<uint32_t>> OverflowChains(const std::vector<uint32_t>& overflow, int fd,
                                                  uint32_t page_size, const std::string& path) {
  std::unordered_set<uint32_t> is_overflow(overflow.begin(), overflow.end());
  std::unordered_map<uint32_t, uint32_t> next;
  std::unordered_set<uint32_t> is_successor;
  for (uint32_t pageno : overflow) {
    std::string link = file_util::PreadUpTo(fd, uint64_t{pageno - 1} * page_size, 4, path);
    if (link.size() != 4)
      Unavailable(path, "short read of overflow page " + std::to_string(pageno));
    uint32_t succ = ReadU32BE(link, 0);
    if (succ != 0 && is_overflow.count(succ)) {
      next[pageno] = succ;
      is_successor.insert(succ);
    }
  }
  std::vector<std::vector<uint32_t>> chains;
  for (uint32_t head : overflow) {  // ascending, so heads come out strictly ascending
    if (is_successor.count(head)) continue;
    std::vector<uint32_t> chain{head};
    std::unordered_set<uint32_t> seen{head};
    for (auto it = next.find(head); it != next.end(); it = next.find(it->second)) {
      if (!seen.insert(it->second).second) break;
      chain.push_back(it->second);
    }
    chains.push_back(std::move(chain));
  }
  return chains;
}

}  // namespace

SidecarFrame BuildSidecarFrame(const std::string& db_path) {
  file_util::UniqueFd fd = file_util::OpenRaw(db_path, O_RDONLY | O_CLOEXEC);
  if (!fd.valid()) Unavailable(db_path, "cannot open the database file");
  std::string header = file_util::PreadUpTo(fd.get(), 0, 100, db_path);
  if (header.size() < 100 || header.substr(0, 16) != kSqliteMagic)
    Unavailable(db_path, "not a SQLite database");
  auto page_size = PageSizeFromHeader(header);
  // A producer that guessed the page size once wrote page_size=0 sidecars: never guess.
  if (!page_size) Unavailable(db_path, "invalid page size in the header");
  if (header[20] != 0) Unavailable(db_path, "reserved bytes per page are not 0");
  if (header[18] == 2 || header[19] == 2)
    Unavailable(db_path, "WAL database (committed pages may live in the -wal file)");

  SqliteDb db(db_path, SQLITE_OPEN_READONLY,
              [&](const std::string& m) { Unavailable(db_path, m); });
  {
    SqliteStatement ps(db, "PRAGMA page_size");
    if (!ps.Step() || ps.ColumnInt(0) != *page_size)
      Unavailable(db_path, "PRAGMA page_size disagrees with the header");
  }
  {
    sqlite3_stmt* probe = nullptr;
    int rc = sqlite3_prepare_v2(db.get(), "SELECT pageno FROM dbstat LIMIT 0", -1, &probe, nullptr);
    sqlite3_finalize(probe);
    if (rc != SQLITE_OK) Unavailable(db_path, "this SQLite build has no dbstat virtual table");
  }
  std::vector<uint32_t> pagenos = PageList(db,
                                           "SELECT pageno FROM dbstat WHERE pagetype = 'internal'"
                                           " OR name IN ('sqlite_master', 'sqlite_schema')");
  std::vector<uint32_t> overflow =
      PageList(db, "SELECT pageno FROM dbstat WHERE pagetype = 'overflow'");
  db.Close();

  std::vector<std::string> stored;
  stored.reserve(pagenos.size());
  uint64_t blob_bytes = 0;
  for (uint32_t pageno : pagenos) {
    std::string page =
        file_util::PreadUpTo(fd.get(), uint64_t{pageno - 1} * *page_size, *page_size, db_path);
    if (page.size() != *page_size)
      Unavailable(db_path, "short read of page " + std::to_string(pageno));
    stored.push_back(StripPageGap(page, pageno));
    blob_bytes += stored.back().size();
    if (blob_bytes > UINT32_MAX) Unavailable(db_path, "page blob exceeds the u32 offsets");
  }
  auto chains = OverflowChains(overflow, fd.get(), *page_size, db_path);
  return CompressSidecarBody(*page_size, EncodeSidecarBody(pagenos, stored, chains));
}

}  // namespace shardyfusion::sqlite
