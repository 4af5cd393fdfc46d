// Reproduces every row of the golden routing vectors (spec/vectors/hash_routing.tsv):
// routing bytes, XXH3-64 digest, db id for each listed num_dbs, storage bytes per encoding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "shardyfusion/errors.h"
#include "shardyfusion/key.h"
#include "shardyfusion/router.h"
#include "support/test_util.h"

namespace shardyfusion {
namespace {

using testing::HexDecode;
using testing::HexEncode;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

Key ParseVectorKey(const std::string& type, const std::string& text) {
  if (type == "int") {
    if (text[0] == '-') return Key::Int(std::stoll(text));
    return Key::UInt(std::stoull(text));
  }
  if (type == "str") return Key::Str(nlohmann::json::parse(text).get<std::string>());
  return Key::Bytes(text == "-" ? "" : HexDecode(text));
}

TEST(RoutingGolden, EveryVectorReproduces) {
  // The in-repo copy must match the shared spec when the spec is beside the checkout.
  std::string data = testing::ReadFileOrDie(SHARDY_SOURCE_DIR "/tests/data/hash_routing.tsv");
  try {
    EXPECT_EQ(data, testing::ReadFileOrDie(SHARDY_SPEC_DIR "/vectors/hash_routing.tsv"))
        << "tests/data/hash_routing.tsv differs from the shared spec";
  } catch (const std::runtime_error&) {
  }
  const uint32_t kNumDbs[] = {1, 2, 3, 7, 8, 10, 16, 64, 100, 1000, 4096};
  const KeyEncoding kEncodings[] = {KeyEncoding::kU64BE, KeyEncoding::kU32BE, KeyEncoding::kUtf8,
                                    KeyEncoding::kRaw};
  int rows = 0;
  for (const auto& line : Split(data, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    auto cols = Split(line, '\t');
    ASSERT_EQ(cols.size(), 6u) << line;
    SCOPED_TRACE(line.substr(0, 80));
    Key key = ParseVectorKey(cols[0], cols[1]);
    std::string expected_routing = cols[2] == "-" ? "" : cols[2];
    EXPECT_EQ(HexEncode(RoutingBytes(key)), expected_routing);
    uint64_t digest = RoutingDigest(key);
    EXPECT_EQ(digest, std::stoull(cols[3], nullptr, 16));
    auto ids = Split(cols[4], ',');
    ASSERT_EQ(ids.size(), std::size(kNumDbs));
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(HashDbId(key, kNumDbs[i]), std::stoul(ids[i])) << "num_dbs=" << kNumDbs[i];
      EXPECT_EQ(SnapshotRouter::Hash(kNumDbs[i], KeyEncoding::kRaw).Route(key), std::stoul(ids[i]));
    }
    auto storage = Split(cols[5], ',');
    ASSERT_EQ(storage.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
      if (storage[i] == "REJECT") {
        EXPECT_THROW(StorageBytes(key, kEncodings[i]), KeyEncodingError)
            << KeyEncodingName(kEncodings[i]);
      } else {
        EXPECT_EQ(HexEncode(StorageBytes(key, kEncodings[i])), storage[i] == "-" ? "" : storage[i])
            << KeyEncodingName(kEncodings[i]);
      }
    }
    ++rows;
  }
  EXPECT_EQ(rows, 142);
}

}  // namespace
}  // namespace shardyfusion
