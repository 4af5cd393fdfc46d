// Sidecar v8 producer and parser, on databases built in a temp dir (no object store).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/sqlite_handle.h"
#include "sqlite/shard_db_file.h"
#include "sqlite/sidecar.h"
#include "support/test_util.h"
#include "unit/sqlite_page_compare.h"

namespace shardyfusion::sqlite {
namespace {

using shardyfusion::testing::ReadFileOrDie;
using shardyfusion::testing::TempDir;

// A sealed shard file with `rows` rows of `value_bytes`-byte unique values.
std::string BuildDb(const TempDir& dir, uint32_t page_size, int rows, size_t value_bytes) {
  std::string path = dir.path() + "/shard.db";
  SqliteDb db = CreateShardDb(path, page_size, -2000);
  {
    SqliteStatement ins(db, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
    for (int i = 0; i < rows; ++i) {
      std::string key = "key-" + std::to_string(i);
      std::string value(value_bytes, static_cast<char>('a' + i % 26));
      value.replace(0, std::min(key.size(), value.size()), key.substr(0, value.size()));
      ins.BindBlob(1, key);
      ins.BindBlob(2, value);
      ins.Step();
      ins.Reset();
    }
  }
  db.Exec("COMMIT");
  db.Close();
  return path;
}

std::set<uint32_t> DbstatPages(const std::string& path, const std::string& where) {
  SqliteDb db(path, SQLITE_OPEN_READONLY,
              [](const std::string& m) { throw std::runtime_error(m); });
  SqliteStatement st(db, "SELECT pageno FROM dbstat WHERE " + where);
  std::set<uint32_t> out;
  while (st.Step()) out.insert(static_cast<uint32_t>(st.ColumnInt(0)));
  return out;
}

std::string MakeSidecar(const std::string& path, std::string_view tag = "\"etag-1\"") {
  return AssembleSidecar(BuildSidecarFrame(path), tag);
}

TEST(SqliteSidecar, RoundTripReproducesEveryStoredPageAndChain) {
  for (uint32_t page_size : {4096u, 65536u}) {
    TempDir dir;
    // 4 KiB: 1200-byte values spill one overflow page each; 64 KiB: 20000-byte values do.
    std::string path =
        BuildDb(dir, page_size, page_size == 4096 ? 3000 : 600, page_size == 4096 ? 1200 : 20000);
    std::string file = ReadFileOrDie(path);
    auto parsed = ParseSidecar(MakeSidecar(path));
    ASSERT_TRUE(parsed) << parsed.rejection;
    const Sidecar& sc = *parsed.value;
    EXPECT_EQ(sc.db_tag, "\"etag-1\"");
    EXPECT_EQ(sc.page_size, page_size);

    std::set<uint32_t> expected =
        DbstatPages(path, "pagetype = 'internal' OR name IN ('sqlite_master', 'sqlite_schema')");
    std::set<uint32_t> got;
    for (const auto& [pageno, bytes] : sc.pages) {
      got.insert(pageno);
      ASSERT_EQ(bytes.size(), page_size);
      EXPECT_TRUE(sqlite_test::SamePage(
          bytes, file.substr(uint64_t{pageno - 1} * page_size, page_size), pageno));
    }
    EXPECT_EQ(got, expected);
    EXPECT_TRUE(got.count(1));
    EXPECT_GT(got.size(), 1u) << "expected interior pages";

    std::set<uint32_t> overflow = DbstatPages(path, "pagetype = 'overflow'");
    ASSERT_FALSE(overflow.empty());
    std::set<uint32_t> chained;
    for (const auto& chain : sc.overflow_chains) {
      for (size_t i = 0; i < chain.size(); ++i) {
        EXPECT_TRUE(chained.insert(chain[i]).second) << "page in two chains: " << chain[i];
        uint64_t at = uint64_t{chain[i] - 1} * page_size;
        uint32_t next = (uint32_t{static_cast<unsigned char>(file[at])} << 24) |
                        (uint32_t{static_cast<unsigned char>(file[at + 1])} << 16) |
                        (uint32_t{static_cast<unsigned char>(file[at + 2])} << 8) |
                        static_cast<unsigned char>(file[at + 3]);
        EXPECT_EQ(next, i + 1 < chain.size() ? chain[i + 1] : 0u);
      }
    }
    EXPECT_EQ(chained, overflow);
  }
}

TEST(SqliteSidecar, EmptyTableAndLongTagAreHandled) {
  TempDir dir;
  std::string path = BuildDb(dir, 4096, 0, 0);
  auto parsed = ParseSidecar(MakeSidecar(path, std::string(256, 't')));
  ASSERT_TRUE(parsed) << parsed.rejection;
  EXPECT_EQ(parsed.value->db_tag, "");  // too long for the u8 length: unbound
  EXPECT_TRUE(parsed.value->pages.count(1));
  EXPECT_TRUE(parsed.value->overflow_chains.empty());
}

TEST(SqliteSidecar, RefusesReservedBytesAndWal) {
  TempDir dir;
  std::string path = BuildDb(dir, 4096, 10, 10);
  std::string file = ReadFileOrDie(path);
  file[20] = 8;
  std::string reserved = dir.path() + "/reserved.db";
  std::ofstream(reserved, std::ios::binary) << file;
  EXPECT_THROW(BuildSidecarFrame(reserved), SidecarUnavailableError);

  std::string wal = dir.path() + "/wal.db";
  {
    SqliteDb db(wal, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                [](const std::string& m) { throw SqliteAdapterError(m); });
    db.Exec("PRAGMA journal_mode = WAL");
    db.Exec("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
  }
  EXPECT_THROW(BuildSidecarFrame(wal), SidecarUnavailableError);
  EXPECT_THROW(BuildSidecarFrame(dir.path() + "/missing.db"), SidecarUnavailableError);
}

TEST(SqliteSidecar, GapStrippingRoundTripsAt64KiB) {
  std::string page(65536, '\0');
  page[0] = 13;  // table leaf, no cells, content area start 0 meaning 65536
  std::string stored = StripPageGap(page, 2);
  EXPECT_EQ(stored.size(), 8u);
  EXPECT_EQ(ReconstructPage(stored, 2, 65536), page);
  EXPECT_EQ(ReconstructPage(stored, 2, 32768), std::nullopt);
  std::string overflow_page(4096, 'x');  // not a b-tree page: stored whole
  overflow_page[0] = 0;
  EXPECT_EQ(StripPageGap(overflow_page, 7), overflow_page);
  EXPECT_EQ(ReconstructPage(overflow_page.substr(1), 7, 4096), std::nullopt);
}

}  // namespace
}  // namespace shardyfusion::sqlite
