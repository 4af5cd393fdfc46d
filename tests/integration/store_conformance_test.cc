// Scenario bodies of the ObjectStore conformance suite (see store_conformance.h), and its
// instantiations for the in-memory and local directory stores.
#include "integration/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "shardyfusion/errors.h"
#include "support/test_util.h"

namespace shardyfusion::conformance {

std::string StoreCaseName(const ::testing::TestParamInfo<StoreCase>& info) {
  return info.param.name;
}

void PrintTo(const StoreCase& store_case, std::ostream* os) { *os << store_case.name; }

std::string PatternBody(std::string_view tag, size_t size) {
  std::string body(tag);
  body += '|';
  uint64_t state = std::hash<std::string_view>{}(tag) | 1;
  while (body.size() < size) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // LCG
    body.push_back(static_cast<char>(state >> 56));
  }
  return body;
}

bool IsPatternBody(std::string_view body) {
  size_t bar = body.find('|');
  return bar != std::string_view::npos && PatternBody(body.substr(0, bar), body.size()) == body;
}

std::shared_ptr<ObjectStore> MakeScratchLocalStore() {
  auto dir = std::make_shared<testing::TempDir>();
  std::shared_ptr<ObjectStore> inner = MakeLocalObjectStore(dir->path() + "/store");
  // The alias keeps the temp dir alive exactly as long as the store.
  auto holder =
      std::make_shared<std::pair<std::shared_ptr<testing::TempDir>, std::shared_ptr<ObjectStore>>>(
          dir, inner);
  return std::shared_ptr<ObjectStore>(holder, inner.get());
}

}  // namespace shardyfusion::conformance

namespace {

using shardyfusion::ByteRange;
using shardyfusion::ListAllObjects;
using shardyfusion::ListPage;
using shardyfusion::ObjectInfo;
using shardyfusion::ObjectNotFoundError;
using shardyfusion::ObjectStoreError;
using shardyfusion::PreconditionFailedError;
using shardyfusion::PutOptions;
using shardyfusion::conformance::IsPatternBody;
using shardyfusion::conformance::PatternBody;

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const auto& o : objects) keys.push_back(o.key);
  return keys;
}

void PutAll(shardyfusion::ObjectStore& store, const std::vector<std::string>& keys) {
  for (const auto& k : keys) store.Put(k, "body of " + k);
}

// Every entry (objects and common prefixes, merged in order) over all pages of size `page`.
std::vector<std::string> ListPaged(shardyfusion::ObjectStore& store, const std::string& prefix,
                                   const std::string& delimiter, size_t page_size) {
  std::vector<std::string> all;
  std::string token;
  for (int pages = 0; pages < 1000; ++pages) {
    ListPage page = store.List(prefix, delimiter, token, page_size);
    EXPECT_LE(page.objects.size() + page.common_prefixes.size(), page_size);
    std::vector<std::string> entries = page.common_prefixes;
    for (const auto& o : page.objects) entries.push_back(o.key);
    std::sort(entries.begin(), entries.end());
    all.insert(all.end(), entries.begin(), entries.end());
    if (!page.next_token) return all;
    token = *page.next_token;
  }
  ADD_FAILURE() << "pagination did not terminate";
  return all;
}

}  // namespace

void StoreConformance::SetUp() {
  store_ = GetParam().factory();
  if (!store_) GTEST_SKIP() << GetParam().name << " store is not available";
}

TEST_P(StoreConformance, PutGetRoundTripsTextEmptyAndBinaryBodies) {
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i % 256));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a/text", "hello world"}, {"a/empty", ""}, {"a/binary", binary}};
  for (const auto& [key, body] : cases) {
    auto put = store().Put(key, body);
    EXPECT_FALSE(put.etag.empty()) << key;
    auto got = store().Get(key);
    ASSERT_TRUE(got.has_value()) << key;
    EXPECT_EQ(*got, body) << key;
    auto head = store().Head(key);
    ASSERT_TRUE(head.has_value()) << key;
    EXPECT_EQ(head->key, key);
    EXPECT_EQ(head->size, body.size()) << key;
    EXPECT_EQ(head->etag, put.etag) << key;
  }
}

TEST_P(StoreConformance, OverwriteReplacesTheWholeBody) {
  store().Put("k", std::string(1000, 'x'));
  store().Put("k", "short");
  EXPECT_EQ(store().Get("k"), "short");
  EXPECT_EQ(store().Head("k")->size, 5u);
}

TEST_P(StoreConformance, MissingObjectIsAnEmptyOptional) {
  EXPECT_EQ(store().Get("no/such/key"), std::nullopt);
  EXPECT_EQ(store().Head("no/such/key"), std::nullopt);
  store().Put("dir/obj", "x");
  EXPECT_EQ(store().Get("dir"), std::nullopt);  // a "directory" is not an object
  EXPECT_EQ(store().Head("dir"), std::nullopt);
}

TEST_P(StoreConformance, EtagChangesOnOverwrite) {
  auto first = store().Put("k", "one");
  auto head1 = store().Head("k");
  ASSERT_TRUE(head1.has_value());
  auto second = store().Put("k", "two!");
  auto head2 = store().Head("k");
  ASSERT_TRUE(head2.has_value());
  EXPECT_EQ(head1->etag, first.etag);
  EXPECT_EQ(head2->etag, second.etag);
  EXPECT_NE(head1->etag, head2->etag);
  EXPECT_EQ(head2->size, 4u);
}

TEST_P(StoreConformance, AwkwardKeysWeReallyWriteRoundTrip) {
  const std::vector<std::string> keys = {
      "prefix/_CURRENT",
      "prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/manifest",
      "prefix/shards/run_id=x/db=00007/attempt=01/shard.db",
      "runs/2026-04-20T15:23:01.123456Z_run_id=a_b/run.yaml",
      "runs/..._run_id=a_b/run.yaml",  // dots inside a segment are not ".."
  };
  PutAll(store(), keys);
  for (const auto& k : keys) EXPECT_EQ(store().Get(k), "body of " + k) << k;
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(ListAllObjects(store(), "")), sorted);
}

TEST_P(StoreConformance, GetRangesClipsAtEndAndKeepsOrder) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body.push_back(static_cast<char>('a' + i % 26));
  store().Put("r/obj", body);
  std::vector<ByteRange> ranges = {
      {0, 10},     // head
      {5, 10},     // overlaps the first
      {100, 0},    // zero length
      {990, 100},  // clipped to 10 bytes
      {1000, 5},   // starts at EOF
      {5000, 5},   // far past EOF
      {0, 1000},   // everything
      {500, 1},
  };
  auto got = store().GetRanges("r/obj", ranges);
  ASSERT_EQ(got.size(), ranges.size());
  EXPECT_EQ(got[0], body.substr(0, 10));
  EXPECT_EQ(got[1], body.substr(5, 10));
  EXPECT_EQ(got[2], "");
  EXPECT_EQ(got[3], body.substr(990));
  EXPECT_EQ(got[4], "");
  EXPECT_EQ(got[5], "");
  EXPECT_EQ(got[6], body);
  EXPECT_EQ(got[7], body.substr(500, 1));
  EXPECT_TRUE(store().GetRanges("r/obj", {}).empty());
}

TEST_P(StoreConformance, GetRangesOnMissingObjectThrowsNotFound) {
  EXPECT_THROW(store().GetRanges("r/missing", {{0, 10}}), ObjectNotFoundError);
}

TEST_P(StoreConformance, ListWithoutDelimiterIsRecursiveAndBytewiseSorted) {
  // '-' < '.' < '/' < 'b': a directory-tree walk must still yield bytewise key order.
  PutAll(store(), {"t/ab", "t/a/b", "t/a.c", "t/a-d", "t/a/b2/c", "u/x"});
  ListPage page = store().List("t/");
  EXPECT_EQ(Keys(page.objects),
            (std::vector<std::string>{"t/a-d", "t/a.c", "t/a/b", "t/a/b2/c", "t/ab"}));
  EXPECT_TRUE(page.common_prefixes.empty());
  EXPECT_FALSE(page.next_token.has_value());
  for (const auto& o : page.objects) {
    EXPECT_EQ(o.size, ("body of " + o.key).size()) << o.key;
    EXPECT_EQ(o.etag, store().Head(o.key)->etag) << o.key;
  }
  // A prefix need not end at a '/'.
  EXPECT_EQ(Keys(store().List("t/a.").objects), (std::vector<std::string>{"t/a.c"}));
  EXPECT_EQ(Keys(store().List("t/a/b").objects), (std::vector<std::string>{"t/a/b", "t/a/b2/c"}));
  EXPECT_TRUE(store().List("nothing/here/").objects.empty());
  EXPECT_EQ(store().List("").objects.size(), 6u);
}

TEST_P(StoreConformance, ListWithSlashDelimiterRollsUpCommonPrefixes) {
  PutAll(store(), {
                      "prefix/_CURRENT",
                      "prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/manifest",
                      "prefix/manifests/2026-04-21T00:00:00.000000Z_run_id=def456/manifest",
                      "prefix/shards/run_id=x/db=00007/attempt=01/shard.db",
                      "prefix/zz",
                      "top",
                  });
  ListPage page = store().List("prefix/", "/");
  EXPECT_EQ(Keys(page.objects), (std::vector<std::string>{"prefix/_CURRENT", "prefix/zz"}));
  EXPECT_EQ(page.common_prefixes,
            (std::vector<std::string>{"prefix/manifests/", "prefix/shards/"}));

  EXPECT_EQ(
      store().List("prefix/manifests/", "/").common_prefixes,
      (std::vector<std::string>{"prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/",
                                "prefix/manifests/2026-04-21T00:00:00.000000Z_run_id=def456/"}));
  // A partial segment as prefix.
  ListPage partial = store().List("prefix/m", "/");
  EXPECT_TRUE(partial.objects.empty());
  EXPECT_EQ(partial.common_prefixes, (std::vector<std::string>{"prefix/manifests/"}));
  ListPage root = store().List("", "/");
  EXPECT_EQ(Keys(root.objects), (std::vector<std::string>{"top"}));
  EXPECT_EQ(root.common_prefixes, (std::vector<std::string>{"prefix/"}));
}

TEST_P(StoreConformance, ListPaginationReturnsEveryKeyExactlyOnce) {
  const std::vector<std::string> keys = {"p/a",     "p/b/1", "p/b/2", "p/c",
                                         "p/d/x/y", "p/e",   "p/f.g", "p/f/h"};
  PutAll(store(), keys);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ListPaged(store(), "p/", "", 2), sorted);
  EXPECT_EQ(ListPaged(store(), "p/", "", 1), sorted);

  // With a delimiter, pages hold a mix of objects and common prefixes.
  std::vector<std::string> expected = {"p/a", "p/b/", "p/c", "p/d/", "p/e", "p/f.g", "p/f/"};
  EXPECT_EQ(ListPaged(store(), "p/", "/", 2), expected);
  EXPECT_EQ(ListPaged(store(), "p/", "/", 1), expected);
  EXPECT_EQ(ListAllObjects(store(), "p/").size(), keys.size());
}

TEST_P(StoreConformance, DeletePrefixStopsAtSlashBoundary) {
  PutAll(store(), {"p/attempt=0/x", "p/attempt=0/y/z", "p/attempt=01/x", "p/attempt=1/x"});
  EXPECT_EQ(store().DeletePrefix("p/attempt=0"), 2u);
  EXPECT_EQ(Keys(ListAllObjects(store(), "p/")),
            (std::vector<std::string>{"p/attempt=01/x", "p/attempt=1/x"}));
  EXPECT_EQ(store().DeletePrefix("p/attempt=0/"), 0u);
  EXPECT_EQ(store().DeletePrefix("p/attempt=01/"), 1u);
  EXPECT_EQ(store().DeletePrefix("p/attempt="), 0u);  // "p/attempt=/" matches nothing
  EXPECT_EQ(Keys(ListAllObjects(store(), "")), (std::vector<std::string>{"p/attempt=1/x"}));
  EXPECT_EQ(store().DeletePrefix("p"), 1u);
  EXPECT_TRUE(store().List("").objects.empty());
  EXPECT_TRUE(store().List("", "/").common_prefixes.empty());
}

TEST_P(StoreConformance, DeleteRemovesOnlyThatObjectAndMissingIsFine) {
  PutAll(store(), {"d/a", "d/b"});
  store().Delete("d/a");
  store().Delete("d/a");
  store().Delete("d/never/existed");
  EXPECT_EQ(store().Get("d/a"), std::nullopt);
  EXPECT_EQ(store().Get("d/b"), "body of d/b");
  store().Delete("d/b");
  EXPECT_TRUE(store().List("", "/").common_prefixes.empty());
  store().Put("d/b", "again");  // the directory comes back as needed
  EXPECT_EQ(store().Get("d/b"), "again");
}

TEST_P(StoreConformance, PutFileAndGetToFileRoundTrip) {
  shardyfusion::testing::TempDir tmp;
  const std::string body = PatternBody("putfile", 3 << 20);
  const std::string src = tmp.path() + "/src.bin";
  {
    std::ofstream out(src, std::ios::binary);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
  }
  auto put = store().PutFile("f/shard.db", src);
  auto head = store().Head("f/shard.db");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, body.size());
  EXPECT_EQ(head->etag, put.etag);

  const std::string dst = tmp.path() + "/dst.bin";
  {
    std::ofstream stale(dst);  // an existing file is overwritten
    stale << "stale contents";
  }
  ASSERT_TRUE(store().GetToFile("f/shard.db", dst));
  EXPECT_EQ(shardyfusion::testing::ReadFileOrDie(dst), body);
  EXPECT_FALSE(store().GetToFile("f/missing", tmp.path() + "/none.bin"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/none.bin"));
  EXPECT_THROW(store().PutFile("f/x", tmp.path() + "/no-such-file"), ObjectStoreError);
}

TEST_P(StoreConformance, IfNoneMatchCreatesOnlyOnce) {
  if (!store().SupportsConditionalPut()) GTEST_SKIP() << "no conditional put";
  PutOptions create;
  create.if_none_match = true;
  store().Put("c/lease", "first", create);
  EXPECT_THROW(store().Put("c/lease", "second", create), PreconditionFailedError);
  EXPECT_EQ(store().Get("c/lease"), "first");
}

TEST_P(StoreConformance, IfMatchReplacesOnlyTheCurrentVersion) {
  if (!store().SupportsConditionalPut()) GTEST_SKIP() << "no conditional put";
  auto v1 = store().Put("c/_CURRENT", "v1");
  PutOptions match;
  match.if_match = v1.etag;
  auto v2 = store().Put("c/_CURRENT", "v2", match);
  EXPECT_EQ(store().Get("c/_CURRENT"), "v2");
  // v1's ETag is stale now.
  EXPECT_THROW(store().Put("c/_CURRENT", "v3", match), PreconditionFailedError);
  EXPECT_EQ(store().Get("c/_CURRENT"), "v2");
  match.if_match = v2.etag;
  store().Put("c/_CURRENT", "v3", match);
  EXPECT_EQ(store().Get("c/_CURRENT"), "v3");
  // Nothing to match against.
  EXPECT_THROW(store().Put("c/missing", "x", match), ObjectStoreError);
}

TEST_P(StoreConformance, ConcurrentPutsAndGetsNeverSeeTornBodies) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  store().Put("hot/key", PatternBody("initial", 64 << 10));
  std::atomic<int> torn{0}, missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::string tag = "t" + std::to_string(t) + "i" + std::to_string(i);
        std::optional<std::string> got;
        try {  // an exception must fail the test, not terminate the process
          store().Put("hot/key", PatternBody(tag, (64 << 10) + 4096 * t + i));
          got = store().Get("hot/key");
        } catch (const std::exception& e) {
          ADD_FAILURE() << "thread " << t << " round " << i << ": " << e.what();
          return;
        }
        if (!got) {
          ++missing;
        } else if (!IsPatternBody(*got)) {
          ++torn;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(missing.load(), 0);
  auto last = store().Get("hot/key");
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(IsPatternBody(*last));
  EXPECT_EQ(Keys(ListAllObjects(store(), "hot/")), (std::vector<std::string>{"hot/key"}));
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformance,
                         ::testing::Values(shardyfusion::conformance::StoreCase{
                             "memory",
                             [] { return shardyfusion::MakeMemoryObjectStore("conformance"); }}),
                         shardyfusion::conformance::StoreCaseName);

INSTANTIATE_TEST_SUITE_P(Local, StoreConformance,
                         ::testing::Values(shardyfusion::conformance::StoreCase{
                             "local", shardyfusion::conformance::MakeScratchLocalStore}),
                         shardyfusion::conformance::StoreCaseName);
