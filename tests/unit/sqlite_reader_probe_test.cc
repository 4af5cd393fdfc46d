// The b-tree search replay used by the range reader's prefetch: it must follow the path
// SQLite takes to the leaf holding a key and name the overflow chains it compares.
#include <gtest/gtest.h>

#include <set>

#include "core/sqlite_handle.h"
#include "sqlite/range_btree_probe.h"
#include "support/test_util.h"

namespace shardyfusion::sqlite {
namespace {

std::string Key(int i) {
  std::string k(8, '\0');
  for (int b = 0; b < 8; ++b) k[7 - b] = static_cast<char>((uint64_t(i) >> (8 * b)) & 0xff);
  return k;
}

class ProbeTest : public ::testing::Test {
 protected:
  // A 4 KiB-page shard whose 1500-byte values overflow on every level.
  void SetUp() override {
    std::string path = tmp_.path() + "/p.db";
    {
      SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                  [](const std::string& m) { throw std::runtime_error(m); });
      db.Exec("PRAGMA page_size = 4096");
      db.Exec("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
      db.Exec("BEGIN");
      SqliteStatement ins(db, "INSERT INTO kv VALUES (?, ?)");
      for (int i = 0; i < 3000; ++i) {
        std::string k = Key(i), v(1500, char('a' + i % 26));
        ins.BindBlob(1, k);
        ins.BindBlob(2, v);
        ins.Step();
        ins.Reset();
      }
      db.Exec("COMMIT");
      SqliteStatement root(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'kv'");
      root.Step();
      root_ = static_cast<uint32_t>(root.ColumnInt(0));
      SqliteStatement leaves(db,
                             "SELECT pageno FROM dbstat WHERE name = 'kv' AND pagetype = 'leaf'");
      while (leaves.Step()) leaves_.insert(static_cast<uint32_t>(leaves.ColumnInt(0)));
    }
    file_ = shardyfusion::testing::ReadFileOrDie(path);
  }

  std::string_view Page(uint32_t p) const {
    return std::string_view(file_).substr(uint64_t{p - 1} * 4096, 4096);
  }

  shardyfusion::testing::TempDir tmp_;
  std::string file_;
  uint32_t root_ = 0;
  std::set<uint32_t> leaves_;
};

TEST_F(ProbeTest, WalksFromTheRootToALeafComparingOverflowingCells) {
  for (int i : {0, 1, 777, 1500, 2999, 5000}) {
    SCOPED_TRACE(i);
    uint32_t page = root_;
    int levels = 0;
    for (;; ++levels) {
      ASSERT_LT(levels, 10);
      ProbeStep step = ProbeIndexPage(Page(page), page, 4096, Key(i));
      ASSERT_TRUE(step.ok);
      EXPECT_FALSE(step.overflow_heads.empty());  // every cell overflows here
      for (uint32_t head : step.overflow_heads) EXPECT_LE(head, file_.size() / 4096);
      if (step.leaf) break;
      page = step.child;
    }
    EXPECT_GE(levels, 2);
    EXPECT_TRUE(leaves_.count(page)) << page;
  }
}

TEST_F(ProbeTest, RejectsPagesItDoesNotUnderstand) {
  EXPECT_FALSE(ProbeIndexPage(std::string(4096, '\0'), 7, 4096, Key(1)).ok);
  EXPECT_FALSE(ProbeIndexPage(std::string(4096, '\xff'), 7, 4096, Key(1)).ok);
  EXPECT_FALSE(ProbeIndexPage("", 7, 4096, Key(1)).ok);
  EXPECT_FALSE(ProbeIndexPage(Page(1), 1, 4096, Key(1)).ok);  // page 1: a table b-tree
  std::string truncated(Page(root_).substr(0, 100));
  EXPECT_FALSE(ProbeIndexPage(truncated, root_, 4096, Key(1)).ok);
}

}  // namespace
}  // namespace shardyfusion::sqlite
