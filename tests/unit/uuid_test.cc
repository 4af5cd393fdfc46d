#include "core/uuid.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace shardyfusion {
namespace {

TEST(Uuid4Hex, Is32LowercaseHexWithVersionAndVariantBits) {
  for (int i = 0; i < 200; ++i) {
    std::string id = Uuid4Hex();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    EXPECT_EQ(id[12], '4') << id;                                          // version nibble
    EXPECT_NE(std::string("89ab").find(id[16]), std::string::npos) << id;  // variant 10xx
  }
}

TEST(Uuid4Hex, UniqueAcrossThreads) {
  std::mutex mu;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> local;
      for (int i = 0; i < 2000; ++i) local.push_back(Uuid4Hex());
      std::lock_guard lock(mu);
      seen.insert(local.begin(), local.end());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.size(), 8000u);
}

}  // namespace
}  // namespace shardyfusion
