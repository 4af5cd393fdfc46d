// Sidecar wire pieces shared by the producer and the parser: gap stripping, body encoding,
// compression and the uncompressed prefix.
#include <zstd.h>

#include <memory>

#include "sqlite/sidecar.h"
#include "sqlite/sidecar_internal.h"

namespace shardyfusion::sqlite {
namespace {

bool IsBtreePageType(uint8_t type) { return type == 2 || type == 5 || type == 10 || type == 13; }

// Parsed b-tree page header fields that locate the gap.
struct GapBounds {
  size_t cpa_end = 0;  // end of the cell pointer array
  size_t cca = 0;      // start of the cell content area
};

// Empty when the page is not a b-tree page (stored whole).
std::optional<GapBounds> LocateGap(std::string_view page, uint32_t pageno, bool* malformed) {
  *malformed = false;
  size_t base = pageno == 1 ? 100 : 0;
  if (page.size() <= base) {
    *malformed = true;
    return std::nullopt;
  }
  uint8_t type = static_cast<uint8_t>(page[base]);
  if (!IsBtreePageType(type)) return std::nullopt;
  size_t hdr = (type == 2 || type == 5) ? 12 : 8;
  if (page.size() < base + hdr) {
    *malformed = true;
    return std::nullopt;
  }
  GapBounds gap;
  gap.cpa_end = base + hdr + 2 * size_t{ReadU16BE(page, base + 3)};
  gap.cca = ReadU16BE(page, base + 5);
  if (gap.cca == 0) gap.cca = 65536;
  if (gap.cca < gap.cpa_end) *malformed = true;
  return gap;
}

}  // namespace

std::string StripPageGap(std::string_view page, uint32_t pageno) {
  bool malformed = false;
  auto gap = LocateGap(page, pageno, &malformed);
  if (malformed || (gap && gap->cca > page.size()))
    throw SidecarUnavailableError("malformed b-tree header on page " + std::to_string(pageno));
  if (!gap) return std::string(page);
  std::string out;
  out.reserve(gap->cpa_end + (page.size() - gap->cca));
  out.append(page.substr(0, gap->cpa_end));
  out.append(page.substr(gap->cca));
  return out;
}

std::optional<std::string> ReconstructPage(std::string_view stored, uint32_t pageno,
                                           uint32_t page_size) {
  bool malformed = false;
  auto gap = LocateGap(stored, pageno, &malformed);
  if (malformed) return std::nullopt;
  if (!gap) {
    if (stored.size() != page_size) return std::nullopt;
    return std::string(stored);
  }
  if (stored.size() < gap->cpa_end || gap->cca > page_size) return std::nullopt;
  // Compare before building so a hostile ncells/cca cannot make us allocate much.
  if (stored.size() + (gap->cca - gap->cpa_end) != page_size) return std::nullopt;
  std::string page;
  page.reserve(page_size);
  page.append(stored.substr(0, gap->cpa_end));
  page.append(gap->cca - gap->cpa_end, '\0');
  page.append(stored.substr(gap->cpa_end));
  return page;
}

std::string EncodeSidecarBody(const std::vector<uint32_t>& pagenos,
                              const std::vector<std::string>& stored_pages,
                              const std::vector<std::vector<uint32_t>>& chains) {
  std::string body;
  AppendU32(body, static_cast<uint32_t>(pagenos.size()));
  for (uint32_t p : pagenos) AppendU32(body, p);
  uint32_t offset = 0;
  AppendU32(body, offset);
  for (const auto& page : stored_pages) {
    offset += static_cast<uint32_t>(page.size());
    AppendU32(body, offset);
  }
  AppendU32(body, static_cast<uint32_t>(chains.size()));
  for (const auto& chain : chains) AppendU32(body, chain.empty() ? 0 : chain.front());
  uint32_t entries = 0;
  AppendU32(body, entries);
  for (const auto& chain : chains) {
    entries += static_cast<uint32_t>(chain.size());
    AppendU32(body, entries);
  }
  for (const auto& chain : chains)
    for (uint32_t p : chain) AppendU32(body, p);
  for (const auto& page : stored_pages) body += page;
  return body;
}

SidecarFrame CompressSidecarBody(uint32_t page_size, std::string_view body) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!cctx) throw SqliteAdapterError("zstd: cannot create a compression context");
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kSidecarZstdLevel);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  SidecarFrame frame;
  frame.page_size = page_size;
  frame.body_size = body.size();
  frame.compressed.resize(ZSTD_compressBound(body.size()));
  size_t n = ZSTD_compress2(cctx.get(), frame.compressed.data(), frame.compressed.size(),
                            body.data(), body.size());
  if (ZSTD_isError(n))
    throw SqliteAdapterError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  frame.compressed.resize(n);
  return frame;
}

std::string AssembleSidecar(const SidecarFrame& frame, std::string_view db_tag) {
  if (db_tag.size() > 255) db_tag = {};  // u8 length: an over-long tag means "unbound"
  std::string out;
  out.reserve(kSidecarPrefixSize + db_tag.size() + frame.compressed.size());
  out += kSidecarMagic;
  out.push_back(static_cast<char>(kSidecarVersion));
  AppendU64(out, frame.body_size);
  AppendU32(out, frame.page_size);
  out.push_back(static_cast<char>(db_tag.size()));
  out += db_tag;
  out += frame.compressed;
  return out;
}

}  // namespace shardyfusion::sqlite
