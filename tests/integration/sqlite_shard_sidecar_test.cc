// SQLite shard writer: the uploaded sidecar, its binding to the .db ETag, best-effort
// failure handling, upload error propagation and options.
#include <functional>

#include "integration/sqlite_writer_fixture.h"
#include "sqlite/sidecar.h"
#include "unit/sqlite_page_compare.h"

namespace shardyfusion::sqlite_test {
namespace {

TEST_P(SqliteWriterTest, SidecarRoundTripMatchesTheUploadedDb) {
  for (int page_size : {4096, 16384}) {
    SCOPED_TRACE(page_size);
    SqliteWriterOptions options;
    options.page_size = page_size;
    auto factory = Factory(options);
    std::string url = DbUrl(page_size);
    // 4 KiB: 1200-byte values overflow; 16 KiB: 5000-byte values overflow.
    WriteShard(factory, url, Rows(3000, page_size == 4096 ? 1200 : 5000));

    auto sidecar_bytes = Get(url + "/shard.sidecar");
    ASSERT_TRUE(sidecar_bytes);
    auto parsed = sqlite::ParseSidecar(*sidecar_bytes);
    ASSERT_TRUE(parsed) << parsed.rejection;
    EXPECT_EQ(parsed.value->db_tag, Head(url + "/shard.db")->etag);
    EXPECT_FALSE(parsed.value->db_tag.empty());
    EXPECT_EQ(parsed.value->page_size, static_cast<uint32_t>(page_size));

    std::string path = Download(url);
    std::string file = shardyfusion::testing::ReadFileOrDie(path);
    EXPECT_EQ(HeaderPageSize(file), parsed.value->page_size);
    std::set<uint32_t> stored;
    for (const auto& [pageno, bytes] : parsed.value->pages) {
      stored.insert(pageno);
      ASSERT_TRUE(
          SamePage(bytes, file.substr(uint64_t{pageno - 1} * page_size, page_size), pageno));
    }
    EXPECT_EQ(stored, DbstatPages(path, "pagetype = 'internal' OR name = 'sqlite_schema'"));
    std::set<uint32_t> chained;
    for (const auto& chain : parsed.value->overflow_chains)
      for (uint32_t p : chain) EXPECT_TRUE(chained.insert(p).second) << p;
    std::set<uint32_t> overflow = DbstatPages(path, "pagetype = 'overflow'");
    EXPECT_FALSE(overflow.empty());
    EXPECT_EQ(chained, overflow);
  }
}

TEST_P(SqliteWriterTest, NoSidecarAndNoCustomBlockWhenDisabled) {
  SqliteWriterOptions options;
  options.emit_sidecar = false;
  auto factory = Factory(options);
  EXPECT_EQ(factory.ManifestCustomFields(), "{}");
  WriteShard(factory, DbUrl(), Rows(50, 1200));
  EXPECT_TRUE(Get(DbUrl() + "/shard.db"));
  EXPECT_FALSE(Get(DbUrl() + "/shard.sidecar"));
  EXPECT_EQ(ListUnder(DbUrl()).size(), 1u);
}

// Memory store with injectable faults and a put log.
class ScriptedStore : public ObjectStore {
 public:
  explicit ScriptedStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::function<void(const std::string& key)> before_put;  // may throw
  bool fail_head = false;
  std::vector<std::pair<std::string, std::string>> puts;  // (key, content type)

  std::string UrlFor(std::string_view key) const override { return inner_->UrlFor(key); }
  PutResult Put(const std::string& key, std::string_view body, const PutOptions& o) override {
    Record(key, o);
    return inner_->Put(key, body, o);
  }
  PutResult PutFile(const std::string& key, const std::string& path, const PutOptions& o) override {
    Record(key, o);
    return inner_->PutFile(key, path, o);
  }
  std::optional<std::string> Get(const std::string& key) override { return inner_->Get(key); }
  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override {
    return inner_->GetRanges(key, ranges);
  }
  std::optional<ObjectInfo> Head(const std::string& key) override {
    if (fail_head) throw S3TransientError("HEAD timed out");
    return inner_->Head(key);
  }
  ListPage List(const std::string& prefix, const std::string& delimiter, const std::string& token,
                size_t max_keys) override {
    return inner_->List(prefix, delimiter, token, max_keys);
  }
  void Delete(const std::string& key) override { inner_->Delete(key); }

 private:
  void Record(const std::string& key, const PutOptions& o) {
    puts.emplace_back(key, o.content_type);
    if (before_put) before_put(key);
  }
  std::shared_ptr<ObjectStore> inner_;
};

class SqliteWriterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_shared<ScriptedStore>(MakeMemoryObjectStore("bucket"));
    resolver_ = std::make_shared<StoreResolver>();
    resolver_->Register("mem", "bucket", store_);
  }
  std::unique_ptr<ShardWriter> Open(SqliteWriterOptions options = {}) {
    options.resolver = resolver_;
    factory_ = std::make_unique<SqliteShardWriterFactory>(options);
    auto w = factory_->Open(kUrl, scratch_.path() + "/w");
    w->WriteBatch(Rows(100, 1200));
    return w;
  }
  static constexpr const char* kUrl = "mem://bucket/p/shards/run_id=r/db=00000/attempt=00";
  static constexpr const char* kDbKey = "p/shards/run_id=r/db=00000/attempt=00/shard.db";
  static constexpr const char* kSidecarKey = "p/shards/run_id=r/db=00000/attempt=00/shard.sidecar";
  shardyfusion::testing::TempDir scratch_;
  std::shared_ptr<ScriptedStore> store_;
  std::shared_ptr<StoreResolver> resolver_;
  std::unique_ptr<SqliteShardWriterFactory> factory_;
};

TEST_F(SqliteWriterFaultTest, UploadOrderContentTypesAndSingleUpload) {
  auto w = Open();
  w->Close();
  w->Close();
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(store_->puts, (std::vector<P>{{kDbKey, "application/x-sqlite3"},
                                          {kSidecarKey, "application/octet-stream"}}));
}

TEST_F(SqliteWriterFaultTest, SidecarUploadFailureDoesNotFailTheShard) {
  store_->before_put = [](const std::string& key) {
    if (key.ends_with("shard.sidecar")) throw S3TransientError("sidecar PUT failed");
  };
  auto w = Open();
  EXPECT_NO_THROW(w->Close());
  EXPECT_TRUE(store_->Get(kDbKey));
  EXPECT_FALSE(store_->Get(kSidecarKey));
}

TEST_F(SqliteWriterFaultTest, HeadFailureGivesAnUnboundSidecar) {
  store_->fail_head = true;
  auto w = Open();
  EXPECT_NO_THROW(w->Close());
  auto parsed = sqlite::ParseSidecar(*store_->Get(kSidecarKey));
  ASSERT_TRUE(parsed) << parsed.rejection;
  EXPECT_EQ(parsed.value->db_tag, "");
}

TEST_F(SqliteWriterFaultTest, DbUploadErrorsKeepTheirRetryability) {
  int failures = 1;
  store_->before_put = [&](const std::string& key) {
    if (failures-- > 0) throw S3TransientError("PUT timed out");
  };
  auto w = Open();
  try {
    w->Close();
    FAIL() << "expected the upload error";
  } catch (const S3TransientError& e) {
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_FALSE(store_->Get(kDbKey));
  w->Close();  // the sealed file is still there: a second Close uploads it
  EXPECT_TRUE(store_->Get(kDbKey));
  EXPECT_TRUE(store_->Get(kSidecarKey));
}

TEST(SqliteWriterOptions, ValidationNamesTheFieldAndValue) {
  auto expect_rejected = [](SqliteWriterOptions o, const std::string& value) {
    try {
      SqliteShardWriterFactory f(o);
      FAIL() << "accepted page_size " << value;
    } catch (const ConfigValidationError& e) {
      EXPECT_NE(std::string(e.what()).find("page_size " + value), std::string::npos) << e.what();
    }
  };
  for (int bad : {0, 512, 1024, 2048, 4095, 131072, -1}) {
    SqliteWriterOptions o;
    o.page_size = bad;
    expect_rejected(o, std::to_string(bad));
  }
  SqliteWriterOptions o = SqliteWriterOptions::Auto();
  o.page_size = 8192;
  expect_rejected(o, "8192");
  o.page_size = 4096;  // the default starting size is fine with auto
  EXPECT_NO_THROW(SqliteShardWriterFactory{o});
}

TEST(SqliteWriterOptions, ManifestCustomFields) {
  SqliteWriterOptions o;
  o.page_size = 16384;
  EXPECT_EQ(SqliteShardWriterFactory(o).ManifestCustomFields(),
            R"({"sqlite_sidecar":{"codec":"zstd","filename":"shard.sidecar",)"
            R"("format_version":8,"page_size":16384}})");
  EXPECT_EQ(SqliteShardWriterFactory(SqliteWriterOptions::Auto()).ManifestCustomFields(),
            R"({"sqlite_sidecar":{"codec":"zstd","filename":"shard.sidecar",)"
            R"("format_version":8,"page_size":"auto"}})");
}

}  // namespace
}  // namespace shardyfusion::sqlite_test
