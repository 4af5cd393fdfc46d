// SQLite range reader: byte-exact values over the page-size / overflow / sidecar matrix on
// every store, request counts against the S3 budget, and stale-sidecar safety.
#include <random>
#include <thread>

#include "integration/sqlite_reader_fixture.h"
#include "sqlite/sqlite_range_reader.h"

namespace shardyfusion::sqlite_test {
namespace {

using shardyfusion::testing::TempDir;

struct RangeCase {
  std::string store;
  int page_size;
  size_t value_size;
  bool sidecar;
};

std::string CaseName(const ::testing::TestParamInfo<RangeCase>& info) {
  const auto& c = info.param;
  return c.store + "_p" + std::to_string(c.page_size) + "_v" + std::to_string(c.value_size) +
         (c.sidecar ? "_sidecar" : "_plain");
}

class SqliteRangeReaderMatrixTest : public ::testing::TestWithParam<RangeCase> {
 protected:
  void SetUp() override {
    store_ = ReaderStore::Make(GetParam().store, tmp_.path());
    if (!store_.resolver) GTEST_SKIP() << "moto_server is not on PATH";
  }

  std::unique_ptr<SqliteRangeReader> Open(const std::string& url, bool use_sidecar,
                                          size_t cache_pages = 1024) {
    SqliteRangeReaderOptions options;
    options.resolver = store_.resolver;
    options.use_sidecar = use_sidecar;
    options.page_cache_pages = cache_pages;
    SqliteRangeReaderFactory factory(options);
    auto reader = factory.Open(url, tmp_.path() + "/unused", std::nullopt, FakeManifest("r", {1}));
    return std::unique_ptr<SqliteRangeReader>(dynamic_cast<SqliteRangeReader*>(reader.release()));
  }

  TempDir tmp_;
  ReaderStore store_;
};

TEST_P(SqliteRangeReaderMatrixTest, EveryValueIsByteExact) {
  const auto& c = GetParam();
  // Enough rows for interior levels below the root (S3: fewer, every page is a request).
  int n = c.store == "s3" ? 600 : 2000;
  auto rows = Rows(n, c.value_size);
  rows.emplace_back("empty", "");
  std::string url = store_.DbUrl("r");
  BuildShard(store_, url, rows, tmp_.path() + "/w", c.page_size, c.sidecar);

  auto reader = Open(url, /*use_sidecar=*/true);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->stats().sidecar_used, c.sidecar) << reader->stats().sidecar_status;
  for (const auto& [k, v] : rows) ASSERT_EQ(reader->Get(k), v);
  EXPECT_EQ(reader->Get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(reader->Get(KeyFor(n + 5)), std::nullopt);
  std::vector<std::string> keys = {rows[n - 1].first, "nope", rows[0].first};
  auto got = reader->MultiGet(keys);
  EXPECT_EQ(got[0], rows[n - 1].second);
  EXPECT_EQ(got[1], std::nullopt);
  EXPECT_EQ(got[2], rows[0].second);

  // The LRU is an optimisation only: disabled, results are the same.
  auto uncached = Open(url, c.sidecar, /*cache_pages=*/0);
  for (int i = 0; i < n; i += 37) ASSERT_EQ(uncached->Get(rows[i].first), rows[i].second);
}

// Cold lookups on fresh readers: how many GetRanges calls one Get costs after open.
TEST_P(SqliteRangeReaderMatrixTest, ColdGetRequestBudget) {
  const auto& c = GetParam();
  int n = c.store == "s3" ? 600 : 2000;
  auto rows = Rows(n, c.value_size);
  std::string url = store_.DbUrl("r");
  BuildShard(store_, url, rows, tmp_.path() + "/w", c.page_size, c.sidecar);

  std::mt19937 rng(42);
  uint64_t open_calls = 0, worst = 0, total = 0, requests = 0;
  const int kSamples = 10;
  for (int s = 0; s < kSamples; ++s) {
    auto reader = Open(url, true);
    auto opened = reader->stats();
    open_calls = opened.head_calls + opened.get_calls + opened.get_ranges_calls;
    int i = static_cast<int>(rng() % n);
    ASSERT_EQ(reader->Get(rows[i].first), rows[i].second);
    auto after = reader->stats();
    EXPECT_EQ(after.head_calls, opened.head_calls);
    EXPECT_EQ(after.get_calls, opened.get_calls);
    uint64_t calls = after.get_ranges_calls - opened.get_ranges_calls;
    worst = std::max(worst, calls);
    total += calls;
    requests += after.range_requests - opened.range_requests;
  }
  std::printf(
      "[ range budget ] %-28s open=%llu calls, cold get: worst %llu avg %.1f GetRanges, "
      "%.1f HTTP range requests\n",
      CaseName({GetParam(), 0}).c_str(), (unsigned long long)open_calls, (unsigned long long)worst,
      double(total) / kSamples, double(requests) / kSamples);
  if (c.sidecar) {
    EXPECT_LE(worst, 2u) << "DESIGN.md §6: a cold get costs at most 2 GETs with the sidecar";
    EXPECT_EQ(open_calls, 2u);  // HEAD + sidecar GET; page 1 comes from the sidecar
  }

  // A cold MultiGet prefetches for its keys together: same round trips as one Get.
  auto reader = Open(url, true);
  std::vector<std::string> keys;
  for (int k = 0; k < 20; ++k) keys.push_back(rows[rng() % n].first);
  auto before = reader->stats();
  auto got = reader->MultiGet(keys);
  auto after = reader->stats();
  for (size_t k = 0; k < keys.size(); ++k) ASSERT_TRUE(got[k]) << k;
  uint64_t multi = after.get_ranges_calls - before.get_ranges_calls;
  std::printf(
      "[ range budget ] %-28s cold multi_get of 20 keys: %llu GetRanges, %llu HTTP "
      "range requests\n",
      CaseName({GetParam(), 0}).c_str(), (unsigned long long)multi,
      (unsigned long long)(after.range_requests - before.range_requests));
  if (c.sidecar) EXPECT_LE(multi, 2u);
}

std::vector<RangeCase> Cases() {
  std::vector<RangeCase> out;
  for (std::string store : {"memory", "local", "s3"})
    for (auto [page, value] :
         {std::pair{4096, size_t{1200}}, {65536, size_t{1200}}, {4096, size_t{5000}}})
      for (bool sidecar : {true, false}) out.push_back({store, page, value, sidecar});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Matrix, SqliteRangeReaderMatrixTest, ::testing::ValuesIn(Cases()),
                         CaseName);

}  // namespace
}  // namespace shardyfusion::sqlite_test
