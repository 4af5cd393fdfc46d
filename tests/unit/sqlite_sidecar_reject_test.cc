// Every "Reader validation" rule of format.md §4.6: a rejected sidecar yields a reason,
// never an exception and never a partial result.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sqlite/sidecar.h"

namespace shardyfusion::sqlite {
namespace {

// A 4 KiB table-leaf page with one 10-byte cell: stripping keeps header + pointer + cell.
std::string LeafPage(uint32_t page_size = 4096) {
  std::string page(page_size, '\0');
  page[0] = 13;
  page[4] = 1;  // ncells = 1
  uint16_t cca = static_cast<uint16_t>(page_size - 10);
  page[5] = static_cast<char>(cca >> 8);
  page[6] = static_cast<char>(cca & 0xff);
  page[8] = page[5];
  page[9] = page[6];
  for (uint32_t i = cca; i < page_size; ++i) page[i] = 'c';
  return page;
}

std::string Build(const std::vector<uint32_t>& pagenos, const std::vector<std::string>& stored,
                  const std::vector<std::vector<uint32_t>>& chains, uint32_t page_size = 4096) {
  return AssembleSidecar(CompressSidecarBody(page_size, EncodeSidecarBody(pagenos, stored, chains)),
                         "\"tag\"");
}

std::string Valid() {
  std::string stored = StripPageGap(LeafPage(), 2);
  return Build({2, 5}, {stored, stored}, {{7, 9}, {8}});
}

void ExpectRejected(const std::string& bytes, const std::string& reason_part) {
  auto parsed = ParseSidecar(bytes);
  EXPECT_FALSE(parsed.value.has_value());
  EXPECT_NE(parsed.rejection.find(reason_part), std::string::npos) << parsed.rejection;
}

void SetU32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(SqliteSidecarReject, ValidBaselineParses) {
  auto parsed = ParseSidecar(Valid());
  ASSERT_TRUE(parsed) << parsed.rejection;
  EXPECT_EQ(parsed.value->db_tag, "\"tag\"");
  EXPECT_EQ(parsed.value->pages.at(2), LeafPage());
  EXPECT_EQ(parsed.value->pages.at(5), LeafPage());
  EXPECT_EQ(parsed.value->overflow_chains, (std::vector<std::vector<uint32_t>>{{7, 9}, {8}}));
  auto prefix = ParseSidecarPrefix(Valid());
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix.value->page_size, 4096u);
  EXPECT_EQ(prefix.value->version, 8);
}

TEST(SqliteSidecarReject, Prefix) {
  std::string b = Valid();
  b[0] = 'X';
  ExpectRejected(b, "magic");
  for (uint8_t version : {7, 9, 0}) {
    b = Valid();
    b[4] = static_cast<char>(version);
    ExpectRejected(b, "version " + std::to_string(version));
  }
  for (uint32_t page_size : {0u, 256u, 1000u, 4097u, 131072u}) {
    b = Valid();
    SetU32(b, 13, page_size);
    ExpectRejected(b, "page_size");
  }
  ExpectRejected(Valid().substr(0, 10), "truncated prefix");
  ExpectRejected(Valid().substr(0, 20), "truncated db_tag");
  ExpectRejected("", "truncated prefix");
}

TEST(SqliteSidecarReject, ZstdFrame) {
  std::string b = Valid();
  ExpectRejected(b.substr(0, b.size() - 10), "zstd");  // truncated frame
  b = Valid();
  b.back() ^= 0x5a;  // last 4 bytes are the content checksum
  ExpectRejected(b, "checksum");
  ExpectRejected(Valid() + "x", "trailing bytes");
  b = Valid();
  b[5] += 1;  // body_size
  ExpectRejected(b, "body_size");
  b = Valid();
  b.resize(18 + 5);
  b += "not a zstd frame";
  ExpectRejected(b, "zstd");
}

TEST(SqliteSidecarReject, PageIndex) {
  std::string s = StripPageGap(LeafPage(), 2);
  ExpectRejected(Build({5, 2}, {s, s}, {}), "pagenos");
  ExpectRejected(Build({2, 2}, {s, s}, {}), "pagenos");
  ExpectRejected(Build({0}, {s}, {}), "pagenos");
  // offsets[n] must equal the blob length: append a stray byte to the body's blob.
  std::string body = EncodeSidecarBody({2}, {s}, {}) + "z";
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "blob length");
  // A stored page that does not rebuild to page_size bytes.
  ExpectRejected(Build({2}, {s.substr(0, s.size() - 1)}, {}), "page_size bytes");
  ExpectRejected(Build({2}, {s}, {}, 8192), "page_size bytes");
  // Decreasing offsets: encode two pages, then swap the offsets.
  body = EncodeSidecarBody({2, 3}, {s, s}, {});
  SetU32(body, 4 + 8 + 4, static_cast<uint32_t>(2 * s.size() + 1));
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "offsets");
  body = EncodeSidecarBody({2}, {s}, {});
  SetU32(body, 8, 1);  // offsets[0] != 0
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "offsets");
  // n larger than the body can hold.
  body = EncodeSidecarBody({2}, {s}, {});
  SetU32(body, 0, 0xffffffffu);
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "truncated");
}

TEST(SqliteSidecarReject, Chains) {
  std::string s = StripPageGap(LeafPage(), 2);
  ExpectRejected(Build({2}, {s}, {{9}, {7}}), "chain_heads");
  ExpectRejected(Build({2}, {s}, {{7}, {7}}), "chain_heads");
  ExpectRejected(Build({2}, {s}, {{}, {7}}), "chain_offsets");  // an empty chain
  // chain_offsets[0] != 0: body layout n=1 | pageno | 2 offsets | C=1 | head | 2 offsets.
  std::string body = EncodeSidecarBody({2}, {s}, {{7, 8}});
  SetU32(body, 4 + 4 + 8 + 4 + 4, 1);
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "chain_offsets");
  // A chain whose first page is not its head.
  body = EncodeSidecarBody({2}, {s}, {{7, 8}});
  SetU32(body, 4 + 4 + 8 + 4, 8);  // head 8, chain still starts with 7
  ExpectRejected(AssembleSidecar(CompressSidecarBody(4096, body), ""), "head");
}

// Random damage never crashes or throws; whatever still parses is well-formed.
TEST(SqliteSidecarReject, RandomCorruptionIsContained) {
  const std::string valid = Valid();
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string b = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) b[rng() % b.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    if (i % 2 == 1) {  // damage the body under a valid frame, past the checksum
      std::string s = StripPageGap(LeafPage(), 2);
      std::string body = EncodeSidecarBody({2, 5}, {s, s}, {{7, 9}, {8}});
      for (int e = 0; e < edits; ++e) body[rng() % body.size()] = static_cast<char>(rng() % 8);
      b = AssembleSidecar(CompressSidecarBody(4096, body), "");
    }
    SidecarResult<Sidecar> parsed;
    ASSERT_NO_THROW(parsed = ParseSidecar(b));
    if (!parsed) continue;
    for (const auto& [pageno, page] : parsed.value->pages)
      ASSERT_EQ(page.size(), parsed.value->page_size);
  }
}

}  // namespace
}  // namespace shardyfusion::sqlite
