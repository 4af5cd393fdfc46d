// ParseSidecar over arbitrary bytes (seeds: real sidecars from seed_gen.cc).  It must never
// throw; an accepted sidecar holds only whole pages and chains that start with their head.
//
// Inputs that do not start with the "SQPC" magic are used as an uncompressed *body*
// instead (first byte: page size 512 << (b % 8)), compressed and framed here, so the body
// validation is reached without the fuzzer having to forge zstd checksums.
#include "fuzz/fuzz_util.h"
#include "sqlite/sidecar.h"

using namespace shardyfusion;

namespace {

void Check(std::string_view bytes) {
  auto prefix = sqlite::ParseSidecarPrefix(bytes);
  FUZZ_CHECK(prefix.value.has_value() == prefix.rejection.empty());
  auto parsed = sqlite::ParseSidecar(bytes);
  FUZZ_CHECK(parsed.value.has_value() == parsed.rejection.empty());
  if (prefix) {  // a bound only ever removes acceptances
    auto bounded = sqlite::ParseSidecar(
        bytes, sqlite::MaxSidecarBodySize(uint64_t{64} * prefix.value->page_size, prefix.value->page_size));
    FUZZ_CHECK(!bounded || parsed);
  }
  if (!parsed) return;
  FUZZ_CHECK(prefix);
  const auto& s = *parsed.value;
  FUZZ_CHECK(s.page_size == prefix.value->page_size);
  FUZZ_CHECK(s.db_tag == prefix.value->db_tag);
  for (const auto& [pageno, page] : s.pages) {
    FUZZ_CHECK(pageno > 0);
    FUZZ_CHECK(page.size() == s.page_size);
  }
  for (const auto& chain : s.overflow_chains) FUZZ_CHECK(!chain.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes = fuzz::AsView(data, size);
  if (bytes.substr(0, 4) == sqlite::kSidecarMagic || size == 0) {
    Check(bytes);
    return 0;
  }
  uint32_t page_size = 512u << (data[0] % 8);
  sqlite::SidecarFrame frame = sqlite::CompressSidecarBody(page_size, bytes.substr(1));
  Check(sqlite::AssembleSidecar(frame, "\"etag\""));
  return 0;
}
