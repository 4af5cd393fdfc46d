// SQLite download reader: lookups, the local cache's identity and integrity rules, error
// reporting, and several processes sharing one cache directory.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "integration/sqlite_reader_fixture.h"
#include "sqlite/shard_cache_file.h"
#include "sqlite/sqlite_download_reader.h"

namespace shardyfusion::sqlite_test {
namespace {

using shardyfusion::testing::ReadFileOrDie;
using shardyfusion::testing::TempDir;

class SqliteDownloadReaderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = ReaderStore::Make(GetParam(), tmp_.path());
    if (!store_.resolver) GTEST_SKIP() << "moto_server is not on PATH";
  }

  std::string Scratch() { return tmp_.path() + "/w" + std::to_string(next_++); }
  std::string CacheDir() const { return tmp_.path() + "/cache/shard=00000"; }

  std::unique_ptr<ShardReader> Open(const std::string& url, const std::string& checkpoint,
                                    const std::string& dir = "", bool keep_previous = true) {
    SqliteDownloadReaderOptions options;
    options.resolver = store_.resolver;
    options.keep_previous_version = keep_previous;
    SqliteDownloadReaderFactory factory(options);
    return factory.Open(url, dir.empty() ? CacheDir() : dir, checkpoint, manifest_);
  }

  TempDir tmp_;
  ReaderStore store_;
  ParsedManifest manifest_ = FakeManifest("r", {1});
  int next_ = 0;
};

TEST_P(SqliteDownloadReaderTest, GetHitMissAndEmptyValue) {
  auto rows = Rows(300, 100);
  rows.emplace_back("empty", "");
  rows.emplace_back(std::string("\0k\0", 3), std::string("\0v\xff", 3));
  std::string url = store_.DbUrl("r");
  BuildShard(store_, url, rows, Scratch());

  auto reader = Open(url, "c1");
  for (const auto& [k, v] : rows) ASSERT_EQ(reader->Get(k), v);
  EXPECT_EQ(reader->Get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(reader->Get("absent"), std::nullopt);
  EXPECT_EQ(reader->Get(""), std::nullopt);

  std::vector<std::string> keys = {rows[5].first, "absent", "empty", rows[7].first};
  auto got = reader->MultiGet(keys);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], rows[5].second);
  EXPECT_EQ(got[1], std::nullopt);
  EXPECT_EQ(got[2], std::optional<std::string>(""));
  EXPECT_EQ(got[3], rows[7].second);

  reader->Close();
  reader->Close();  // idempotent
  EXPECT_THROW(reader->Get(rows[0].first), ReaderStateError);

  // Cache layout of format.md §1.10.
  EXPECT_TRUE(std::filesystem::exists(CacheDir() + "/.cache.lock"));
  EXPECT_EQ(ReadFileOrDie(CacheDir() + "/shard.identity.json"),
            "{\"checkpoint_id\": \"c1\", \"db_url\": \"" + url + "\"}");
  EXPECT_EQ(ReadFileOrDie(CacheDir() + "/shard.db"), *store_.Get(url + "/shard.db"));
}

TEST_P(SqliteDownloadReaderTest, MatchingIdentityReusesTheCachedFile) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(50, 10);
  BuildShard(store_, url, rows, Scratch());
  Open(url, "c1")->Close();
  store_.Delete(url + "/shard.db");  // a reuse must not touch the store
  EXPECT_EQ(Open(url, "c1")->Get(rows[3].first), rows[3].second);
  // A different checkpoint id is a different identity: it must download (and fail here).
  EXPECT_THROW(Open(url, "c2"), DbAdapterError);
}

TEST_P(SqliteDownloadReaderTest, NewSnapshotInTheSameDirReplacesTheOldOne) {
  std::string url1 = store_.DbUrl("r1"), url2 = store_.DbUrl("r2");
  auto rows1 = Rows(100, 20), rows2 = Rows(120, 30);
  BuildShard(store_, url1, rows1, Scratch());
  BuildShard(store_, url2, rows2, Scratch());

  auto old_reader = Open(url1, "c1");
  auto new_reader = Open(url2, "c2");
  EXPECT_EQ(new_reader->Get(rows2[110].first), rows2[110].second);
  // The reader still open on the old snapshot keeps its file.
  EXPECT_EQ(old_reader->Get(rows1[10].first), rows1[10].second);
  EXPECT_EQ(old_reader->Get(rows2[110].first), std::nullopt);
  auto identity = sqlite::DecodeCacheIdentity(ReadFileOrDie(CacheDir() + "/shard.identity.json"));
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->db_url, url2);
  EXPECT_EQ(identity->checkpoint_id, "c2");
  // Back to the first snapshot: the previous version is swapped back in.
  EXPECT_EQ(Open(url1, "c1")->Get(rows1[99].first), rows1[99].second);
}

TEST_P(SqliteDownloadReaderTest, RefreshBackToThePreviousVersionSwapsFilesWithoutDownloading) {
  std::string url1 = store_.DbUrl("r1"), url2 = store_.DbUrl("r2");
  auto rows1 = Rows(100, 20), rows2 = Rows(120, 30);
  BuildShard(store_, url1, rows1, Scratch());
  BuildShard(store_, url2, rows2, Scratch());
  auto reader1 = Open(url1, "c1");
  auto reader2 = Open(url2, "c2");
  EXPECT_EQ(ReadFileOrDie(CacheDir() + "/shard.prev.identity.json"),
            "{\"checkpoint_id\": \"c1\", \"db_url\": \"" + url1 + "\"}");
  // From here on the store has neither object: only the cache can serve them.
  store_.Delete(url1 + "/shard.db");
  store_.Delete(url2 + "/shard.db");
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(Open(url1, "c1")->Get(rows1[99].first), rows1[99].second) << "round " << round;
    EXPECT_EQ(Open(url2, "c2")->Get(rows2[119].first), rows2[119].second) << "round " << round;
  }
  EXPECT_EQ(sqlite::DecodeCacheIdentity(ReadFileOrDie(CacheDir() + "/shard.identity.json"))->db_url, url2);
  EXPECT_EQ(sqlite::DecodeCacheIdentity(ReadFileOrDie(CacheDir() + "/shard.prev.identity.json"))->db_url, url1);
  // Readers opened before the swaps keep their own files.
  EXPECT_EQ(reader1->Get(rows1[10].first), rows1[10].second);
  EXPECT_EQ(reader2->Get(rows2[110].first), rows2[110].second);
  // A third version is neither: it must download (and fail here).
  EXPECT_THROW(Open(url1, "c3"), DbAdapterError);
  for (const auto& entry : std::filesystem::directory_iterator(CacheDir()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST_P(SqliteDownloadReaderTest, WithoutKeepPreviousTheReplacedVersionIsDropped) {
  std::string url1 = store_.DbUrl("r1"), url2 = store_.DbUrl("r2");
  BuildShard(store_, url1, Rows(10, 5), Scratch());
  BuildShard(store_, url2, Rows(10, 6), Scratch());
  Open(url1, "c1", "", false)->Close();
  Open(url2, "c2", "", false)->Close();
  EXPECT_FALSE(std::filesystem::exists(CacheDir() + "/shard.prev.db"));
  store_.Delete(url1 + "/shard.db");
  EXPECT_THROW(Open(url1, "c1", "", false), DbAdapterError);
}

TEST_P(SqliteDownloadReaderTest, PreviousVersionIsTrustedOnlyWhenItsIdentityMatchesAndItIsComplete) {
  std::string url1 = store_.DbUrl("r1"), url2 = store_.DbUrl("r2");
  auto rows1 = Rows(400, 200);
  BuildShard(store_, url1, rows1, Scratch());
  BuildShard(store_, url2, Rows(10, 6), Scratch());
  Open(url1, "c1")->Close();
  Open(url2, "c2")->Close();
  // Truncated: downloaded again (the object is still in the store).
  const std::string prev = CacheDir() + "/shard.prev.db";
  std::filesystem::resize_file(prev, std::filesystem::file_size(prev) / 2);
  auto reader = Open(url1, "c1");
  for (const auto& [k, v] : rows1) ASSERT_EQ(reader->Get(k), v);
  // Now shard.prev.db is version 2; without its identity (as after a crash between the
  // renames) it is not used.
  std::filesystem::remove(CacheDir() + "/shard.prev.identity.json");
  store_.Delete(url2 + "/shard.db");
  EXPECT_THROW(Open(url2, "c2"), DbAdapterError);
}

TEST_P(SqliteDownloadReaderTest, TruncatedCachedFileIsDownloadedAgain) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(400, 200);
  BuildShard(store_, url, rows, Scratch());
  Open(url, "c1")->Close();
  std::string db = CacheDir() + "/shard.db";
  auto full = std::filesystem::file_size(db);
  std::filesystem::resize_file(db, full / 2);  // identity still matches

  auto reader = Open(url, "c1");
  for (const auto& [k, v] : rows) ASSERT_EQ(reader->Get(k), v);
  EXPECT_EQ(std::filesystem::file_size(db), full);
}

TEST_P(SqliteDownloadReaderTest, DamagedButFullSizeCachedFileIsDownloadedAgain) {
  std::string url = store_.DbUrl("r");
  auto rows = Rows(100, 50);
  BuildShard(store_, url, rows, Scratch());
  Open(url, "c1")->Close();
  std::string db = CacheDir() + "/shard.db";
  std::string bytes = ReadFileOrDie(db);
  // Wipe page 1's b-tree (the schema) but keep the 100-byte header: the size check passes,
  // SQLite rejects the file at open.  (Damage deeper in the file surfaces as a lookup
  // error instead: verifying every page on open would read the whole shard.)
  std::fill(bytes.begin() + 100, bytes.begin() + HeaderPageSize(bytes), '\0');
  std::ofstream(db, std::ios::binary | std::ios::trunc) << bytes;

  auto reader = Open(url, "c1");
  for (const auto& [k, v] : rows) ASSERT_EQ(reader->Get(k), v);
}

TEST_P(SqliteDownloadReaderTest, MissingObjectIsAClearAdapterError) {
  std::string url = store_.DbUrl("nothing");
  try {
    Open(url, "c1");
    FAIL() << "expected DbAdapterError";
  } catch (const DbAdapterError& e) {
    EXPECT_NE(std::string(e.what()).find("attempt=00/shard.db"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(CacheDir() + "/shard.db"));
}

TEST_P(SqliteDownloadReaderTest, GarbageObjectIsRejectedAndNotCached) {
  std::string url = store_.DbUrl("r");
  store_.Put(url + "/shard.db", std::string(10000, '\x42'));
  try {
    Open(url, "c1");
    FAIL() << "expected SqliteAdapterError";
  } catch (const SqliteAdapterError& e) {
    EXPECT_NE(std::string(e.what()).find("not a usable database"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(CacheDir() + "/shard.db"));
  for (const auto& entry : std::filesystem::directory_iterator(CacheDir()))
    EXPECT_EQ(entry.path().filename().string().find("tmp"), std::string::npos) << entry.path();

  // A real SQLite file without the kv table: the header passes, SQLite refuses at open.
  std::string path = tmp_.path() + "/other.db";
  {
    SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, ThrowRuntime());
    db.Exec("CREATE TABLE other (x)");
  }
  store_.Put(url + "/shard.db", ReadFileOrDie(path));
  EXPECT_THROW(Open(url, "c2"), SqliteAdapterError);
}

// Local store only: the in-memory store is not shared across fork, and an S3 client's
// pooled connections must not be shared with children.  The cache logic is the same.
class SqliteDownloadCacheProcessTest : public SqliteDownloadReaderTest {};

// Several processes open (and replace) the snapshot in one cache dir at once; each must
// always read the snapshot it asked for.
TEST_P(SqliteDownloadCacheProcessTest, ConcurrentProcessesShareOneCacheDir) {
  std::string url1 = store_.DbUrl("r1"), url2 = store_.DbUrl("r2");
  auto rows1 = Rows(500, 300), rows2 = Rows(500, 310);
  BuildShard(store_, url1, rows1, Scratch());
  BuildShard(store_, url2, rows2, Scratch());

  std::vector<pid_t> children;
  for (int child = 0; child < 3; ++child) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        for (int round = 0; round < 6; ++round) {
          bool first = (child + round) % 2 == 0;
          const auto& rows = first ? rows1 : rows2;
          auto reader = Open(first ? url1 : url2, first ? "c1" : "c2");
          for (size_t i = 0; i < rows.size(); i += 7)
            if (reader->Get(rows[i].first) != rows[i].second) status = 2;
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", child, e.what());
        status = 3;
      }
      ::_exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST(SqliteDownloadReaderOptionsTest, RejectsNegativeSizes) {
  SqliteDownloadReaderOptions options;
  options.mmap_size = -1;
  EXPECT_THROW(SqliteDownloadReaderFactory{options}, ConfigValidationError);
}

INSTANTIATE_TEST_SUITE_P(Stores, SqliteDownloadReaderTest,
                         ::testing::Values("memory", "local", "s3"), StoreName);
INSTANTIATE_TEST_SUITE_P(Local, SqliteDownloadCacheProcessTest, ::testing::Values("local"),
                         StoreName);

}  // namespace
}  // namespace shardyfusion::sqlite_test
