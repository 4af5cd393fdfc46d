#include <gtest/gtest.h>

#include "shardyfusion/errors.h"
#include "shardyfusion/key.h"
#include "shardyfusion/router.h"

namespace shardyfusion {
namespace {

TEST(Key, RejectionsNameTheKeyAndTheEncoding) {
  try {
    StorageBytes(Key::Str("abc"), KeyEncoding::kU64BE);
    FAIL();
  } catch (const KeyEncodingError& e) {
    EXPECT_NE(std::string(e.what()).find("\"abc\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("u64be"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_THROW(StorageBytes(Key::Int(-1), KeyEncoding::kU64BE), KeyEncodingError);
  EXPECT_THROW(StorageBytes(Key::UInt(1ull << 32), KeyEncoding::kU32BE), KeyEncodingError);
  EXPECT_THROW(StorageBytes(Key::Int(5), KeyEncoding::kUtf8), KeyEncodingError);
  EXPECT_THROW(StorageBytes(Key::Int(5), KeyEncoding::kRaw), KeyEncodingError);
}

TEST(Key, UnsignedAtOrAbove2Pow63CannotBeRouted) {
  EXPECT_THROW(RoutingBytes(Key::UInt(1ull << 63)), KeyEncodingError);
  EXPECT_THROW(RoutingDigest(Key::UInt(~0ull)), KeyEncodingError);
  EXPECT_THROW(StorageBytes(Key::UInt(1ull << 63), KeyEncoding::kU64BE), KeyEncodingError);
  EXPECT_EQ(RoutingBytes(Key::UInt(42)), RoutingBytes(Key::Int(42)));
}

TEST(Key, InvalidUtf8StringsAreRejected) {
  EXPECT_THROW(Key::Str("\xff"), KeyEncodingError);
  EXPECT_THROW(Key::Str("\xed\xa0\x80"), KeyEncodingError);  // a UTF-16 surrogate
  EXPECT_THROW(Key::Str("\xc0\x80"), KeyEncodingError);      // overlong NUL
  EXPECT_NO_THROW(Key::Str(std::string("\0nul", 4)));
  EXPECT_NO_THROW(Key::Bytes("\xff"));
}

TEST(Key, NaturalOrder) {
  EXPECT_LT(Key::Int(-5), Key::UInt(3));
  EXPECT_LT(Key::UInt(3), Key::Int(4));
  EXPECT_EQ(Key::UInt(7), Key::Int(7));
  EXPECT_LT(Key::UInt(1ull << 63), Key::UInt(~0ull));
  EXPECT_GT(Key::UInt(1ull << 63), Key::Int(INT64_MAX));
  EXPECT_LT(Key::Str("a"), Key::Str("b"));
  EXPECT_LT(Key::Bytes(std::string("\x00", 1)), Key::Bytes("\x01"));
}

TEST(Key, ParseKeyEncodingListsAllowedValues) {
  EXPECT_EQ(ParseKeyEncoding("u32be"), KeyEncoding::kU32BE);
  try {
    ParseKeyEncoding("u16");
    FAIL();
  } catch (const ConfigValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("u64be, u32be, utf8, raw"), std::string::npos);
  }
}

TEST(Router, NumDbsFromMaxKeysPerShard) {
  EXPECT_EQ(NumDbsForMaxKeys(10, 5), 2u);
  EXPECT_EQ(NumDbsForMaxKeys(11, 5), 3u);
  EXPECT_EQ(NumDbsForMaxKeys(0, 5), 1u);
  EXPECT_EQ(NumDbsForMaxKeys(1, 100), 1u);
  EXPECT_THROW(NumDbsForMaxKeys(1, 0), ConfigValidationError);
  EXPECT_THROW(SnapshotRouter::Hash(0, KeyEncoding::kU64BE), ConfigValidationError);
}

TEST(Router, NumDbsOneAlwaysRoutesToZeroAndGroupsKeepInputOrder) {
  auto one = SnapshotRouter::Hash(1, KeyEncoding::kU64BE);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(one.Route(Key::Int(i)), 0u);
  auto r = SnapshotRouter::Hash(8, KeyEncoding::kU64BE);
  std::vector<Key> keys;
  for (int i = 0; i < 50; ++i) keys.push_back(Key::Int(i));
  auto groups = r.GroupKeys(keys);
  size_t total = 0;
  for (const auto& [db, idx] : groups) {
    total += idx.size();
    for (size_t j = 0; j < idx.size(); ++j) {
      EXPECT_EQ(r.Route(keys[idx[j]]), db);
      if (j > 0) EXPECT_LT(idx[j - 1], idx[j]);
    }
  }
  EXPECT_EQ(total, keys.size());
  EXPECT_EQ(r.EncodeLookupKey(Key::Int(42)), std::string("\0\0\0\0\0\0\0\x2a", 8));
}

TEST(Errors, RetryabilitySurvivesWrapping) {
  S3TransientError transient("503 from store");
  ShardWriteError wrapped_transient("shard 3 failed", transient);
  EXPECT_TRUE(wrapped_transient.retryable());
  ConfigValidationError config("bad");
  ShardWriteError wrapped_config("shard 3 failed", config);
  EXPECT_FALSE(wrapped_config.retryable());
  std::runtime_error plain("boom");
  EXPECT_FALSE(ShardWriteError("x", plain).retryable());
  EXPECT_TRUE(ShardWriteError("x").retryable());
  EXPECT_STREQ(wrapped_transient.name(), "ShardWriteError");
  PublishCurrentError pce("pointer failed", "s3://b/p/manifests/x/manifest");
  EXPECT_TRUE(pce.retryable());
  EXPECT_EQ(pce.manifest_ref(), "s3://b/p/manifests/x/manifest");
}

}  // namespace
}  // namespace shardyfusion
