// Regression found while fuzzing ParseSidecar (fuzz/sidecar_fuzz.cc): the zstd frame of a
// sidecar can inflate enormously (33 KiB claimed, and inflated to, a 1 GiB body: 1.2 GB of
// memory and seconds of CPU before the rejection).  A caller that knows the database size
// bounds the body, and the claim is refused before anything is decompressed.
#include <gtest/gtest.h>

#include <chrono>

#include "sqlite/sidecar.h"

namespace shardyfusion::sqlite {
namespace {

TEST(SidecarParseRegression, BodyLargerThanTheDatabaseCanNeedIsRefusedBeforeDecompressing) {
  // 64 MiB of zeros compress to a few KiB.
  std::string bomb = AssembleSidecar(CompressSidecarBody(4096, std::string(64 << 20, '\0')), "\"t\"");
  ASSERT_LT(bomb.size(), 64u << 10);
  uint64_t bound = MaxSidecarBodySize(1 << 20, 4096);  // a 1 MiB shard
  auto start = std::chrono::steady_clock::now();
  auto parsed = ParseSidecar(bomb, bound);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(parsed);
  EXPECT_NE(parsed.rejection.find("more than the database can need"), std::string::npos)
      << parsed.rejection;
  EXPECT_LT(elapsed, std::chrono::milliseconds(20));  // nothing was inflated
  // Without a bound it is still rejected, only later (the body is not a valid sidecar).
  EXPECT_FALSE(ParseSidecar(bomb));
}

TEST(SidecarParseRegression, TheBoundAdmitsAFullSidecar) {
  // Every page of a 3-page database stored whole (page 1's b-tree type byte 0: not a b-tree
  // page, so no gap stripping) and a chain over all pages: the largest body there can be.
  const uint32_t page_size = 512;
  std::vector<uint32_t> pagenos = {1, 2, 3};
  std::vector<std::string> pages(3, std::string(page_size, '\0'));
  std::string body = EncodeSidecarBody(pagenos, pages, {{1, 2, 3}});
  uint64_t bound = MaxSidecarBodySize(3 * page_size, page_size);
  EXPECT_LE(body.size(), bound);
  std::string bytes = AssembleSidecar(CompressSidecarBody(page_size, body), "\"t\"");
  auto parsed = ParseSidecar(bytes, bound);
  ASSERT_TRUE(parsed) << parsed.rejection;
  EXPECT_EQ(parsed.value->pages.size(), 3u);
  EXPECT_FALSE(ParseSidecar(bytes, body.size() - 1));
  EXPECT_TRUE(ParseSidecar(bytes, body.size()));
}

}  // namespace
}  // namespace shardyfusion::sqlite
