// Sidecar parser: every rule of format.md §4.6 "Reader validation".  Inputs are untrusted
// (a reader downloads them), so sizes are checked before anything is allocated from them.
#include <zstd.h>

#include <memory>

#include "sqlite/sidecar.h"
#include "sqlite/sidecar_internal.h"

namespace shardyfusion::sqlite {
namespace {

template <typename T>
SidecarResult<T> Reject(std::string why) {
  return {std::nullopt, "sidecar rejected: " + std::move(why)};
}

// Sequential little-endian u32 reads over the decompressed body.
class BodyCursor {
 public:
  explicit BodyCursor(std::string_view body) : body_(body) {}
  bool U32(uint32_t* v) {
    if (body_.size() - pos_ < 4) return false;
    *v = static_cast<uint32_t>(ReadLE(body_, pos_, 4));
    pos_ += 4;
    return true;
  }
  bool U32s(uint64_t count, std::vector<uint32_t>* out) {
    if ((body_.size() - pos_) / 4 < count) return false;
    out->resize(count);
    for (auto& v : *out) U32(&v);
    return true;
  }
  std::string_view Rest() const { return body_.substr(pos_); }

 private:
  std::string_view body_;
  size_t pos_ = 0;
};

// Decompresses one frame into exactly body_size bytes, growing the buffer only as data
// arrives so a forged body_size cannot trigger a huge allocation.
std::optional<std::string> Decompress(std::string_view frame, uint64_t body_size,
                                      std::string* why) {
  auto fail = [why](std::string message) {
    *why = std::move(message);
    return std::optional<std::string>();
  };
  unsigned long long content_size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content_size == ZSTD_CONTENTSIZE_ERROR) return fail("body is not a zstd frame");
  if (content_size != ZSTD_CONTENTSIZE_UNKNOWN && content_size != body_size)
    return fail("zstd content size differs from body_size");
  size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size))
    return fail(std::string("zstd frame: ") + ZSTD_getErrorName(frame_size));
  if (frame_size != frame.size()) return fail("trailing bytes after the zstd frame");

  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return fail("cannot create a zstd context");
  uint64_t cap = body_size == UINT64_MAX ? body_size : body_size + 1;  // +1 detects "longer"
  std::string out(static_cast<size_t>(std::min<uint64_t>(cap, 1 << 20)), '\0');
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (;;) {
    size_t ret = ZSTD_decompressStream(dctx.get(), &ob, &in);
    if (ZSTD_isError(ret))  // includes a content checksum mismatch
      return fail(std::string("zstd: ") + ZSTD_getErrorName(ret));
    if (ret == 0) break;
    if (ob.pos == ob.size) {
      if (ob.size >= cap) return fail("body longer than body_size");
      out.resize(static_cast<size_t>(std::min<uint64_t>(cap, uint64_t{out.size()} * 2)));
      ob.dst = out.data();
      ob.size = out.size();
    } else if (in.pos == in.size) {
      return fail("truncated zstd frame");
    }
  }
  if (ob.pos != body_size) return fail("decompressed length differs from body_size");
  out.resize(ob.pos);
  return out;
}

bool StrictlyAscending(const std::vector<uint32_t>& v) {
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] <= v[i - 1]) return false;
  return true;
}

}  // namespace

SidecarResult<SidecarPrefix> ParseSidecarPrefix(std::string_view b) {
  if (b.size() < kSidecarPrefixSize) return Reject<SidecarPrefix>("truncated prefix");
  if (b.substr(0, 4) != kSidecarMagic) return Reject<SidecarPrefix>("wrong magic");
  SidecarPrefix p;
  p.version = static_cast<uint8_t>(b[4]);
  if (p.version != kSidecarVersion)
    return Reject<SidecarPrefix>("unsupported version " + std::to_string(p.version));
  p.body_size = ReadLE(b, 5, 8);
  p.page_size = static_cast<uint32_t>(ReadLE(b, 13, 4));
  if (p.page_size < 512 || p.page_size > 65536 || (p.page_size & (p.page_size - 1)) != 0)
    return Reject<SidecarPrefix>("page_size " + std::to_string(p.page_size) +
                                 " is not a power of two in [512, 65536]");
  size_t tag_len = static_cast<unsigned char>(b[17]);
  if (b.size() < kSidecarPrefixSize + tag_len) return Reject<SidecarPrefix>("truncated db_tag");
  p.db_tag = std::string(b.substr(kSidecarPrefixSize, tag_len));
  p.frame_offset = kSidecarPrefixSize + tag_len;
  return {std::move(p), ""};
}

uint64_t MaxSidecarBodySize(uint64_t db_size, uint32_t page_size) {
  if (page_size == 0) return 0;
  uint64_t pages = db_size / page_size + 1;
  // n, pagenos[n], offsets[n+1], C, chain_heads[C], chain_offsets[C+1], chain_pages[M] with
  // n, C, M <= pages, then at most n whole pages.
  return 16 + pages * (uint64_t{page_size} + 20);
}

SidecarResult<Sidecar> ParseSidecar(std::string_view bytes, uint64_t max_body_size) {
  auto prefix = ParseSidecarPrefix(bytes);
  if (!prefix) return {std::nullopt, prefix.rejection};
  if (prefix.value->body_size > max_body_size)
    return Reject<Sidecar>("body_size " + std::to_string(prefix.value->body_size) +
                           " is more than the database can need (" +
                           std::to_string(max_body_size) + ")");
  std::string why;
  auto body = Decompress(bytes.substr(prefix.value->frame_offset), prefix.value->body_size, &why);
  if (!body) return Reject<Sidecar>(why);

  BodyCursor cur(*body);
  uint32_t n = 0, c = 0;
  std::vector<uint32_t> pagenos, offsets, heads, chain_offsets, chain_pages;
  if (!cur.U32(&n) || !cur.U32s(n, &pagenos) || !cur.U32s(uint64_t{n} + 1, &offsets))
    return Reject<Sidecar>("body truncated in the page index");
  if (!StrictlyAscending(pagenos) || (n > 0 && pagenos[0] == 0))
    return Reject<Sidecar>("pagenos not strictly ascending 1-based page numbers");
  if (offsets[0] != 0) return Reject<Sidecar>("offsets do not start at 0");
  for (size_t i = 1; i < offsets.size(); ++i)
    if (offsets[i] < offsets[i - 1]) return Reject<Sidecar>("offsets decrease");
  if (!cur.U32(&c) || !cur.U32s(c, &heads) || !cur.U32s(uint64_t{c} + 1, &chain_offsets))
    return Reject<Sidecar>("body truncated in the chain index");
  if (!StrictlyAscending(heads)) return Reject<Sidecar>("chain_heads not strictly ascending");
  if (chain_offsets[0] != 0 || !StrictlyAscending(chain_offsets))
    return Reject<Sidecar>("chain_offsets do not start at 0 or do not strictly increase");
  if (!cur.U32s(chain_offsets.back(), &chain_pages))
    return Reject<Sidecar>("body truncated in chain_pages");
  std::string_view blob = cur.Rest();
  if (offsets.back() != blob.size())
    return Reject<Sidecar>("offsets do not end at the blob length");

  Sidecar out;
  out.page_size = prefix.value->page_size;
  out.db_tag = std::move(prefix.value->db_tag);
  for (uint32_t i = 0; i < c; ++i) {
    if (chain_pages[chain_offsets[i]] != heads[i])
      return Reject<Sidecar>("chain " + std::to_string(i) + " does not start with its head");
    out.overflow_chains.emplace_back(chain_pages.begin() + chain_offsets[i],
                                     chain_pages.begin() + chain_offsets[i + 1]);
  }
  for (uint32_t i = 0; i < n; ++i) {
    auto page = ReconstructPage(blob.substr(offsets[i], offsets[i + 1] - offsets[i]), pagenos[i],
                                out.page_size);
    if (!page)
      return Reject<Sidecar>("page " + std::to_string(pagenos[i]) +
                             " does not reconstruct to page_size bytes");
    out.pages.emplace_hint(out.pages.end(), pagenos[i], std::move(*page));
  }
  return {std::move(out), ""};
}

}  // namespace shardyfusion::sqlite
