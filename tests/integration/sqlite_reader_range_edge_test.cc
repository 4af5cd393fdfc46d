// SQLite range reader edge cases: stale or broken sidecars, missing and garbage objects,
// store errors surfacing unchanged from inside SQLite, and concurrent readers.
#include <atomic>
#include <thread>

#include "integration/sqlite_reader_fixture.h"
#include "sqlite/sidecar.h"
#include "sqlite/sqlite_range_reader.h"

namespace shardyfusion::sqlite_test {
namespace {

using shardyfusion::testing::TempDir;

// Delegates to a memory store; GetRanges can be made to fail on demand.
class FlakyStore : public ObjectStore {
 public:
  explicit FlakyStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_ranges{false};

  std::string UrlFor(std::string_view key) const override { return inner_->UrlFor(key); }
  PutResult Put(const std::string& key, std::string_view body, const PutOptions& o) override {
    return inner_->Put(key, body, o);
  }
  std::optional<std::string> Get(const std::string& key) override { return inner_->Get(key); }
  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override {
    if (fail_ranges) throw S3TransientError("injected: connection reset");
    return inner_->GetRanges(key, ranges);
  }
  std::optional<ObjectInfo> Head(const std::string& key) override { return inner_->Head(key); }
  ListPage List(const std::string& p, const std::string& d, const std::string& t,
                size_t m) override {
    return inner_->List(p, d, t, m);
  }
  void Delete(const std::string& key) override { inner_->Delete(key); }

 private:
  std::shared_ptr<ObjectStore> inner_;
};

class SqliteRangeReaderEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    flaky_ = std::make_shared<FlakyStore>(MakeMemoryObjectStore("bucket"));
    store_.resolver = std::make_shared<StoreResolver>();
    store_.resolver->Register("mem", "bucket", flaky_);
    store_.root = "mem://bucket/prefix";
  }

  std::unique_ptr<SqliteRangeReader> Open(const std::string& url, bool use_sidecar = true,
                                          size_t cache_pages = 1024) {
    SqliteRangeReaderOptions options;
    options.resolver = store_.resolver;
    options.use_sidecar = use_sidecar;
    options.page_cache_pages = cache_pages;
    SqliteRangeReaderFactory factory(options);
    auto reader = factory.Open(url, "", std::nullopt, FakeManifest("r", {1}));
    return std::unique_ptr<SqliteRangeReader>(dynamic_cast<SqliteRangeReader*>(reader.release()));
  }
  std::string Scratch() { return tmp_.path() + "/w" + std::to_string(next_++); }

  TempDir tmp_;
  std::shared_ptr<FlakyStore> flaky_;
  ReaderStore store_;
  int next_ = 0;
};

// A sidecar left over from a different .db object would feed SQLite wrong pages; the
// ETag binding must make the reader ignore it.
TEST_F(SqliteRangeReaderEdgeTest, SidecarOfAnotherObjectIsIgnored) {
  std::string url_a = store_.DbUrl("a"), url_b = store_.DbUrl("b");
  auto rows_a = Rows(1500, 1200), rows_b = Rows(1500, 700);
  BuildShard(store_, url_a, rows_a, Scratch());
  BuildShard(store_, url_b, rows_b, Scratch());
  store_.Put(url_a + "/shard.db", *store_.Get(url_b + "/shard.db"));  // A's sidecar now stale

  auto reader = Open(url_a);
  EXPECT_FALSE(reader->stats().sidecar_used);
  EXPECT_NE(reader->stats().sidecar_status.find("db_tag"), std::string::npos)
      << reader->stats().sidecar_status;
  for (size_t i = 0; i < rows_b.size(); i += 3)
    ASSERT_EQ(reader->Get(rows_b[i].first), rows_b[i].second);
}

TEST_F(SqliteRangeReaderEdgeTest, UnboundCorruptOrAbsentSidecarsAreIgnored) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(800, 300);
  BuildShard(store_, url, rows, Scratch());
  std::string good = *store_.Get(url + "/shard.sidecar");
  auto parsed = sqlite::ParseSidecarPrefix(good);
  ASSERT_TRUE(parsed);
  std::string frame = good.substr(parsed.value->frame_offset);

  std::string unbound = good.substr(0, 17) + std::string(1, '\0') + frame;  // tag_len 0
  std::string flipped = good;
  flipped.back() ^= 0x55;  // zstd checksum failure
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"unbound", unbound}, {"corrupt", flipped}, {"garbage", "not a sidecar"}}) {
    SCOPED_TRACE(name);
    store_.Put(url + "/shard.sidecar", bytes);
    auto reader = Open(url);
    EXPECT_FALSE(reader->stats().sidecar_used);
    for (size_t i = 0; i < rows.size(); i += 11)
      ASSERT_EQ(reader->Get(rows[i].first), rows[i].second);
  }
  store_.Delete(url + "/shard.sidecar");
  auto reader = Open(url);
  EXPECT_EQ(reader->stats().sidecar_status, "absent");
  EXPECT_EQ(reader->Get(rows[5].first), rows[5].second);
  EXPECT_EQ(Open(url, /*use_sidecar=*/false)->stats().get_calls, 0u);
}

TEST_F(SqliteRangeReaderEdgeTest, MissingObjectIsAClearAdapterError) {
  try {
    Open(store_.DbUrl("none"));
    FAIL() << "expected DbAdapterError";
  } catch (const DbAdapterError& e) {
    EXPECT_NE(std::string(e.what()).find(store_.DbUrl("none") + "/shard.db"), std::string::npos)
        << e.what();
  }
}

TEST_F(SqliteRangeReaderEdgeTest, GarbageObjectIsAnAdapterErrorNotACrash) {
  std::string url = store_.DbUrl("r");
  for (std::string body : {std::string(20000, '\x42'), std::string("short"), std::string()}) {
    store_.Put(url + "/shard.db", body);
    EXPECT_THROW(Open(url), SqliteAdapterError) << body.size();
  }
}

TEST_F(SqliteRangeReaderEdgeTest, StoreErrorsDuringLookupsPropagateUnchanged) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(500, 200);
  BuildShard(store_, url, rows, Scratch());
  // With the LRU the prefetch meets the failure; without it, a read inside SQLite's VFS
  // does, and the reader rethrows the parked cause instead of "disk I/O error".
  for (size_t cache_pages : {size_t{1024}, size_t{0}}) {
    SCOPED_TRACE(cache_pages);
    auto reader = Open(url, true, cache_pages);
    flaky_->fail_ranges = true;
    try {
      reader->Get(rows[250].first);
      FAIL() << "expected S3TransientError";
    } catch (const S3TransientError& e) {
      EXPECT_TRUE(e.retryable());
      EXPECT_NE(std::string(e.what()).find("injected"), std::string::npos);
    }
    flaky_->fail_ranges = false;
    EXPECT_EQ(reader->Get(rows[250].first), rows[250].second);  // the reader stays usable
  }
}

TEST_F(SqliteRangeReaderEdgeTest, TinyPageCacheStaysCorrectAndBounded) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(1000, 5000);
  BuildShard(store_, url, rows, Scratch());
  auto reader = Open(url, true, /*cache_pages=*/3);
  for (size_t i = 0; i < rows.size(); i += 97) {
    auto before = reader->stats().get_ranges_calls;
    ASSERT_EQ(reader->Get(rows[i].first), rows[i].second);
    EXPECT_LT(reader->stats().get_ranges_calls - before, 30u);
  }
  std::vector<std::string> keys = {rows[1].first, rows[500].first, rows[999].first};
  auto got = reader->MultiGet(keys);
  EXPECT_EQ(got[0], rows[1].second);
  EXPECT_EQ(got[2], rows[999].second);
}

TEST_F(SqliteRangeReaderEdgeTest, ConcurrentReadersOnSeveralThreads) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(1000, 5000);
  BuildShard(store_, url, rows, Scratch());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto reader = Open(url, t % 2 == 0);
      for (size_t i = t; i < rows.size(); i += 5)
        if (reader->Get(rows[i].first) != rows[i].second) ++mismatches;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace shardyfusion::sqlite_test
