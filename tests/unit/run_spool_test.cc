// Sorted runs and their merge: every distinct key once, ascending, the newest row winning.
#include "writer/run_spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "writer/row_batch.h"

namespace shardyfusion {
namespace {

std::string SpoolPath() {
  return (std::filesystem::temp_directory_path() / ("run-spool-" + std::to_string(::getpid()) + ".bin")).string();
}

std::vector<KvPair> MergeAll(const RunSpool& spool, size_t chunk) {
  std::vector<KvPair> out;
  spool.Merge(chunk, [&](std::span<const KvPair> rows) {
    EXPECT_LE(rows.size(), chunk);
    out.insert(out.end(), rows.begin(), rows.end());
  });
  return out;
}

TEST(RowBatch, SortedRunOrdersKeysAndKeepsTheLastDuplicate) {
  RowBatch batch;
  batch.Add("b", "1");
  batch.Add(std::string("\xff", 1), "high byte sorts last");
  batch.Add("a", "2");
  batch.Add("b", "3");
  batch.Add("", "empty key first");
  batch.Add("ab", "");
  EXPECT_EQ(batch.rows(), 6u);
  RunSpool spool(SpoolPath());
  SortScratch scratch;
  batch.SortedRun(scratch);
  spool.AppendRun(scratch.run);
  std::vector<KvPair> want = {{"", "empty key first"}, {"a", "2"}, {"ab", ""}, {"b", "3"},
                              {std::string("\xff", 1), "high byte sorts last"}};
  EXPECT_EQ(MergeAll(spool, 2), want);
}

TEST(RunSpool, MergeOfManyRunsMatchesAMapWithLastWriteWins) {
  std::mt19937_64 rng(42);
  std::map<std::string, std::string> expected;
  RunSpool spool(SpoolPath());
  for (int run = 0; run < 37; ++run) {
    RowBatch batch;
    int rows = static_cast<int>(rng() % 400);
    for (int i = 0; i < rows; ++i) {
      std::string key(rng() % 10, '\0');
      for (auto& c : key) c = static_cast<char>(rng() % 4);  // small alphabet: many duplicates
      std::string value(rng() % 3000, static_cast<char>('a' + run % 26));
      value += std::to_string(i);
      batch.Add(key, value);
      expected[key] = value;
    }
    SortScratch scratch;
    batch.SortedRun(scratch);
    spool.AppendRun(scratch.run);
  }
  auto merged = MergeAll(spool, 1000);
  ASSERT_EQ(merged.size(), expected.size());
  size_t i = 0;
  for (const auto& [k, v] : expected) {
    EXPECT_EQ(merged[i].first, k);
    EXPECT_EQ(merged[i].second, v);
    ++i;
  }
}

TEST(RowBatch, BlocksGoBackToThePoolAndAreReused) {
  BlockPool pool(4);
  RowBatch batch(&pool);
  std::string value(1000, 'v');
  for (int i = 0; i < 600; ++i) batch.Add(std::to_string(i), value);  // three blocks
  batch.Add("big", std::string(BlockPool::kBlockBytes, 'x'));         // one of its own
  batch.Release();
  EXPECT_TRUE(batch.empty());
  std::string block = pool.Take();
  EXPECT_TRUE(block.empty());
  EXPECT_EQ(block.capacity(), BlockPool::kBlockBytes);
}

TEST(RunSpool, NoRunsMergeToNothing) {
  RunSpool spool(SpoolPath());
  spool.AppendRun("");
  EXPECT_EQ(spool.runs(), 0u);
  EXPECT_TRUE(MergeAll(spool, 10).empty());
}

}  // namespace
}  // namespace shardyfusion
