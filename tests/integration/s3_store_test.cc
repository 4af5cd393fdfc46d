// The S3 store against a real moto server on loopback, plus scripted-server tests for
// retries and an independent check of the SigV4 signatures curl produces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/s3_options.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_config.h"
#include "storage/s3/s3_xml.h"
#include "support/moto_server.h"
#include "support/test_util.h"

namespace shardyfusion {
namespace {

using testing::CreateBucket;
using testing::MotoS3Options;
using testing::MotoServer;
using testing::SharedMotoServer;

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const auto& o : objects) keys.push_back(o.key);
  return keys;
}

std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<char>(x >> 23);
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& body) {
  std::ofstream out(path, std::ios::binary);
  out.write(body.data(), static_cast<std::streamsize>(body.size()));
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::MotoServerAvailable()) GTEST_SKIP() << "moto_server is not on PATH";
    server_ = &SharedMotoServer();
    bucket_ = CreateBucket(*server_);
    store_ = MakeS3ObjectStore(bucket_, MotoS3Options(*server_));
  }

  // Raw signed request through the library's client, for things the ObjectStore API does
  // not expose (listing multipart uploads).
  s3::S3Response Raw(const s3::S3Request& request) {
    s3::S3Client client(s3::ResolveS3Config(bucket_, MotoS3Options(*server_)));
    return client.Send(request);
  }

  MotoServer* server_ = nullptr;
  std::string bucket_;
  std::shared_ptr<ObjectStore> store_;
};

TEST_F(S3StoreTest, PutGetHeadAgreeOnSizeAndQuotedEtag) {
  PutResult put = store_->Put("a/hello.txt", "hello", {.content_type = "text/plain"});
  EXPECT_EQ(put.etag, "\"5d41402abc4b2a76b9719d911017c592\"");  // S3: quoted MD5
  EXPECT_EQ(store_->Get("a/hello.txt"), "hello");
  auto head = store_->Head("a/hello.txt");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->key, "a/hello.txt");
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, put.etag);
  EXPECT_EQ(store_->UrlFor("a/hello.txt"), "s3://" + bucket_ + "/a/hello.txt");

  s3::S3Request raw;
  raw.method = "HEAD";
  raw.key = "a/hello.txt";
  EXPECT_EQ(Raw(raw).Header("content-type"), "text/plain");
}

TEST_F(S3StoreTest, AwkwardKeysRoundTripThroughPathEncoding) {
  const std::vector<std::string> keys = {
      "prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc/manifest",
      "prefix/shards/run_id=x/db=00007/attempt=01/shard.db",
      "odd/with space+plus&amp;%25percent",
      "odd/tilde~star*quote'paren()!,;$@",
      "odd/unicode-\xc3\xa9\xe2\x82\xac",
      "odd/..._dots/x.y",
      "odd/xml<&>\"chars",
  };
  for (const auto& key : keys) store_->Put(key, "body:" + key);
  for (const auto& key : keys) {
    EXPECT_EQ(store_->Get(key), "body:" + key) << key;
    auto head = store_->Head(key);
    ASSERT_TRUE(head.has_value()) << key;
    EXPECT_EQ(head->size, ("body:" + key).size()) << key;
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(ListAllObjects(*store_, "")), sorted);
  // Prefixes with '=' and ':' are query-encoded correctly too.
  EXPECT_EQ(Keys(store_->List("prefix/manifests/2026-04-20T15:23:01").objects),
            (std::vector<std::string>{keys[0]}));
  EXPECT_EQ(Keys(store_->List("odd/xml<&").objects), (std::vector<std::string>{keys[6]}));
  store_->Delete(keys[2]);
  EXPECT_EQ(store_->Get(keys[2]), std::nullopt);
}

TEST_F(S3StoreTest, GetRangesCoalescesClipsAndKeepsCallerOrder) {
  const std::string body = Pattern(200000, 1);
  store_->Put("r/obj", body);
  std::vector<ByteRange> ranges = {
      {150000, 10},   // out of order
      {0, 100},       //
      {100, 50},      // adjacent to the previous: one request
      {120, 1000},    // overlapping
      {199990, 100},  // clipped at EOF
      {200000, 10},   // starts at EOF: 416 -> empty
      {500000, 10},   // far past EOF
      {7, 0},         // empty
      {0, 200000},    // whole object
  };
  auto got = store_->GetRanges("r/obj", ranges);
  ASSERT_EQ(got.size(), ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    std::string expected =
        ranges[i].offset >= body.size() ? "" : body.substr(ranges[i].offset, ranges[i].length);
    EXPECT_EQ(got[i], expected) << "range " << i;
  }
  EXPECT_EQ(store_->GetRanges("r/obj", {{300000, 5}}), (std::vector<std::string>{""}));
  EXPECT_TRUE(store_->GetRanges("r/obj", {}).empty());
}

TEST_F(S3StoreTest, GetRangesOfMissingObjectThrowsNotFound) {
  EXPECT_THROW(store_->GetRanges("r/missing", {{0, 10}, {50, 10}}), ObjectNotFoundError);
  EXPECT_THROW(store_->GetRanges("r/missing", {{0, 0}}), ObjectNotFoundError);
}

TEST_F(S3StoreTest, ListPaginatesWithDelimiterAndContinuationTokens) {
  std::vector<std::string> keys;
  for (int db = 0; db < 5; ++db) {
    keys.push_back("p/shards/db=" + std::to_string(db) + "/shard.db");
    keys.push_back("p/file" + std::to_string(db));
  }
  for (const auto& key : keys) store_->Put(key, "x");

  std::vector<std::string> objects, prefixes;
  std::string token;
  int pages = 0;
  do {
    ListPage page = store_->List("p/", "/", token, 2);
    EXPECT_LE(page.objects.size() + page.common_prefixes.size(), 2u);
    for (auto& o : page.objects) objects.push_back(o.key);
    for (auto& p : page.common_prefixes) prefixes.push_back(p);
    token = page.next_token.value_or("");
    ASSERT_LT(++pages, 20);
  } while (!token.empty());
  EXPECT_GE(pages, 3);
  EXPECT_EQ(objects,
            (std::vector<std::string>{"p/file0", "p/file1", "p/file2", "p/file3", "p/file4"}));
  EXPECT_EQ(prefixes, (std::vector<std::string>{"p/shards/"}));
  EXPECT_EQ(ListAllCommonPrefixes(*store_, "p/shards/"),
            (std::vector<std::string>{"p/shards/db=0/", "p/shards/db=1/", "p/shards/db=2/",
                                      "p/shards/db=3/", "p/shards/db=4/"}));

  std::vector<std::string> all;
  token.clear();
  do {
    ListPage page = store_->List("p/", "", token, 3);
    for (auto& o : page.objects) all.push_back(o.key);
    token = page.next_token.value_or("");
  } while (!token.empty());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(all, keys);
}

TEST_F(S3StoreTest, DeletePrefixStopsAtTheSlashBoundary) {
  for (const char* key : {"run/attempt=0/a", "run/attempt=0/b/c", "run/attempt=01/a",
                          "run/attempt=0.bak", "run/other"}) {
    store_->Put(key, "x");
  }
  EXPECT_EQ(store_->DeletePrefix("run/attempt=0"), 2u);
  EXPECT_EQ(Keys(ListAllObjects(*store_, "run/")),
            (std::vector<std::string>{"run/attempt=0.bak", "run/attempt=01/a", "run/other"}));
  EXPECT_EQ(store_->DeletePrefix(""), 0u);  // "/" matches nothing
  EXPECT_EQ(ListAllObjects(*store_, "").size(), 3u);
}

TEST_F(S3StoreTest, DeletePrefixBatchesManyKeys) {
  for (int i = 0; i < 40; ++i) store_->Put("many/k" + std::to_string(i) + "=v:x", "x");
  store_->Put("many-not/k", "x");
  EXPECT_EQ(store_->DeletePrefix("many"), 40u);
  EXPECT_EQ(Keys(ListAllObjects(*store_, "")), (std::vector<std::string>{"many-not/k"}));
}

TEST_F(S3StoreTest, ConditionalPutIsEnforcedByMoto) {
  PutOptions create;
  create.if_none_match = true;
  PutResult v1 = store_->Put("c/_CURRENT", "v1", create);
  EXPECT_THROW(store_->Put("c/_CURRENT", "again", create), PreconditionFailedError);
  EXPECT_EQ(store_->Get("c/_CURRENT"), "v1");

  PutOptions wrong;
  wrong.if_match = "\"00000000000000000000000000000000\"";
  EXPECT_THROW(store_->Put("c/_CURRENT", "v2", wrong), PreconditionFailedError);
  EXPECT_EQ(store_->Get("c/_CURRENT"), "v1");

  PutOptions right;
  right.if_match = v1.etag;
  PutResult v2 = store_->Put("c/_CURRENT", "v2", right);
  EXPECT_EQ(store_->Get("c/_CURRENT"), "v2");
  EXPECT_NE(v2.etag, v1.etag);
  // Stale ETag now, and a missing object has nothing to match.
  EXPECT_THROW(store_->Put("c/_CURRENT", "v3", right), PreconditionFailedError);
  EXPECT_THROW(store_->Put("c/missing", "x", right), PreconditionFailedError);
  EXPECT_EQ(store_->Get("c/missing"), std::nullopt);
  try {
    store_->Put("c/_CURRENT", "v3", right);
  } catch (const PreconditionFailedError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("c/_CURRENT"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("412"), std::string::npos) << e.what();
  }
}

class S3MultipartTest : public S3StoreTest {
 protected:
  void SetUp() override {
    S3StoreTest::SetUp();
    if (IsSkipped()) return;
    S3Options options = MotoS3Options(*server_);
    options.multipart_threshold_bytes = 6ull << 20;
    options.multipart_part_bytes = 5ull << 20;  // S3's minimum part size
    store_ = MakeS3ObjectStore(bucket_, options);
  }

  int OpenUploads() {
    s3::S3Request list;
    list.query = {{"uploads", ""}};
    s3::S3Response response = Raw(list);
    EXPECT_EQ(response.status, 200) << response.body;
    return static_cast<int>(s3::ParseXml(response.body).ChildrenNamed("Upload").size());
  }

  testing::TempDir tmp_;
};

TEST_F(S3MultipartTest, PutFileAboveThresholdUsesMultipartAndRoundTrips) {
  const std::string body = Pattern((12u << 20) + 12345, 7);  // parts: 5 + 5 + 2 MiB
  const std::string src = tmp_.path() + "/big.bin";
  WriteFile(src, body);
  PutResult put = store_->PutFile("big/run_id=1/shard.db", src, {.if_none_match = true});
  // A multipart ETag is "<md5 of part md5s>-<part count>".
  EXPECT_TRUE(put.etag.size() > 3 && put.etag.substr(put.etag.size() - 3) == "-3\"") << put.etag;
  auto head = store_->Head("big/run_id=1/shard.db");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, body.size());
  EXPECT_EQ(head->etag, put.etag);

  const std::string dst = tmp_.path() + "/copy.bin";
  WriteFile(dst, "stale");
  ASSERT_TRUE(store_->GetToFile("big/run_id=1/shard.db", dst));
  EXPECT_EQ(testing::ReadFileOrDie(dst), body);
  EXPECT_EQ(store_->GetRanges("big/run_id=1/shard.db", {{(5u << 20) - 3, 6}})[0],
            body.substr((5u << 20) - 3, 6));

  // The condition is checked at completion; the failed upload is aborted, not left behind.
  EXPECT_THROW(store_->PutFile("big/run_id=1/shard.db", src, {.if_none_match = true}),
               PreconditionFailedError);
  EXPECT_EQ(OpenUploads(), 0);
  EXPECT_EQ(store_->Head("big/run_id=1/shard.db")->etag, put.etag);
}

TEST_F(S3MultipartTest, PutFileBelowThresholdIsOneStreamedPut) {
  const std::string body = Pattern(1u << 20, 3);
  const std::string src = tmp_.path() + "/small.bin";
  WriteFile(src, body);
  PutResult put = store_->PutFile("small/x", src);
  EXPECT_EQ(put.etag.find('-'), std::string::npos) << put.etag;
  EXPECT_EQ(store_->Get("small/x"), body);
  WriteFile(src, "");
  store_->PutFile("small/empty", src);
  EXPECT_EQ(store_->Get("small/empty"), "");
  EXPECT_THROW(store_->PutFile("small/y", tmp_.path() + "/missing"), ObjectStoreError);
}

TEST_F(S3StoreTest, MissingObjectsAreEmptyNotErrors) {
  testing::TempDir tmp;
  EXPECT_EQ(store_->Get("nope/x"), std::nullopt);
  EXPECT_EQ(store_->Head("nope/x"), std::nullopt);
  EXPECT_FALSE(store_->GetToFile("nope/x", tmp.path() + "/x"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/x"));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));  // no temp file left either
  store_->Delete("nope/x");
  EXPECT_TRUE(store_->List("nope/").objects.empty());
}

TEST_F(S3StoreTest, MissingBucketIsAClearNonRetryableError) {
  std::string missing = "sf-no-such-bucket-" + std::to_string(getpid());
  auto store = MakeS3ObjectStore(missing, MotoS3Options(*server_));
  for (auto op : std::vector<std::function<void()>>{
           [&] { store->Put("k", "v"); }, [&] { store->Get("k"); }, [&] { store->List("p/"); },
           [&] {
             store->GetRanges("k", {{0, 1}});
           }}) {
    try {
      op();
      ADD_FAILURE() << "no exception";
    } catch (const ObjectNotFoundError& e) {
      ADD_FAILURE() << "a missing bucket is not a missing object: " << e.what();
    } catch (const ObjectStoreError& e) {
      std::string what = e.what();
      EXPECT_FALSE(e.retryable());
      EXPECT_NE(what.find("NoSuchBucket"), std::string::npos) << what;
      EXPECT_NE(what.find(missing), std::string::npos) << what;
      EXPECT_NE(what.find("404"), std::string::npos) << what;
    }
  }
}

TEST_F(S3StoreTest, ConcurrentThreadsShareOneStore) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        std::string key = "conc/t" + std::to_string(t) + "/" + std::to_string(i);
        std::string body = Pattern(1000 + i, t * 100 + i);
        store_->Put(key, body);
        if (store_->Get(key) != body) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(ListAllObjects(*store_, "conc/").size(), 60u);
}

}  // namespace
}  // namespace shardyfusion
