// Page-cache sidecar, format v8 (`shard.sidecar`, format.md §4.6): the interior and schema
// b-tree pages of one shard.db plus its overflow-chain map, so a range reader can fetch a
// shard's index pages with one GET and each overflow chain with one coalesced request.
//
// Layout: "SQPC" | u8 version | u64 body_size | u32 page_size | u8 tag_len | db_tag |
// one zstd frame (level 3, content checksum) over the body.  All integers little-endian.
// Body: n | pagenos[n] | offsets[n+1] | C | chain_heads[C] | chain_offsets[C+1] |
// chain_pages[M] | gap-stripped pages.
//
// The producer is best effort (any failure means "no sidecar"); the parser rejects every
// malformed input with a reason instead of throwing, because a rejected sidecar only means
// the reader falls back to plain page reads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shardyfusion/errors.h"

namespace shardyfusion::sqlite {

inline constexpr std::string_view kSidecarMagic = "SQPC";
inline constexpr uint8_t kSidecarVersion = 8;
inline constexpr std::string_view kSidecarFileName = "shard.sidecar";
inline constexpr size_t kSidecarPrefixSize = 18;  // up to and including tag_len
inline constexpr int kSidecarZstdLevel = 3;

// The producer cannot build a sidecar for this file (dbstat missing, WAL file, reserved
// bytes, short read ...).  Callers treat it as "skip the sidecar", never as a shard failure.
class SidecarUnavailableError : public SqliteAdapterError {
 public:
  using SqliteAdapterError::SqliteAdapterError;
  const char* name() const noexcept override { return "SidecarUnavailableError"; }
};

// ---- producer ----

// A compressed body waiting for its db_tag: built right after seal, before the .db upload
// whose ETag goes into the prefix.
struct SidecarFrame {
  uint32_t page_size = 0;
  uint64_t body_size = 0;
  std::string compressed;  // one zstd frame
};

// Reads the sealed (closed, non-WAL) database at `db_path`: pages = every dbstat
// 'internal' page plus every page of the schema b-tree; chains from dbstat 'overflow'
// pages.  The page size comes from the file header.  Throws SidecarUnavailableError.
SidecarFrame BuildSidecarFrame(const std::string& db_path);

// Prefix + frame.  `db_tag` is the .db object's ETag as HEAD returned it; a tag longer
// than 255 bytes is dropped (tag_len 0, an unbound sidecar).
std::string AssembleSidecar(const SidecarFrame& frame, std::string_view db_tag);

// ---- building blocks (exposed for tests and tools) ----

// Drops the unallocated gap [cell pointer array end, cell content area) of a b-tree page;
// other pages are returned whole.  `page` must be a whole page.  Throws
// SidecarUnavailableError if the page header is inconsistent.
std::string StripPageGap(std::string_view page, uint32_t pageno);
// Inverse of StripPageGap: splices zeros back.  Empty when the stored form is malformed or
// does not rebuild to exactly `page_size` bytes.
std::optional<std::string> ReconstructPage(std::string_view stored, uint32_t pageno,
                                           uint32_t page_size);

// Serialises a body; performs no validation, so tests can build malformed bodies.
std::string EncodeSidecarBody(const std::vector<uint32_t>& pagenos,
                              const std::vector<std::string>& stored_pages,
                              const std::vector<std::vector<uint32_t>>& chains);
// zstd level 3 with content checksum.  Throws SqliteAdapterError on zstd failure.
SidecarFrame CompressSidecarBody(uint32_t page_size, std::string_view body);

// ---- parser ----

struct SidecarPrefix {
  uint8_t version = 0;
  uint64_t body_size = 0;
  uint32_t page_size = 0;
  std::string db_tag;  // empty = unbound
  size_t frame_offset = 0;
};

struct Sidecar {
  uint32_t page_size = 0;
  std::string db_tag;  // empty = unbound (a strict reader declines it)
  // Reconstructed pages, each exactly page_size bytes, keyed by 1-based page number.
  std::map<uint32_t, std::string> pages;
  // Overflow chains in head order; each lists its head first, then successors.
  std::vector<std::vector<uint32_t>> overflow_chains;
};

template <typename T>
struct SidecarResult {
  std::optional<T> value;
  std::string rejection;  // why it was rejected; empty on success
  explicit operator bool() const { return value.has_value(); }
};

// Validates only the uncompressed prefix (cheap: lets a reader check page size and tag
// before decompressing).
SidecarResult<SidecarPrefix> ParseSidecarPrefix(std::string_view bytes);
// Full validation per §4.6 "Reader validation"; never throws on bad input.  A body_size
// above `max_body_size` is rejected before decompressing: the frame is a zstd stream, so a
// few KiB can claim (and inflate to) gigabytes.  Callers that know the database size pass
// MaxSidecarBodySize(db_size, prefix.page_size).
SidecarResult<Sidecar> ParseSidecar(std::string_view bytes, uint64_t max_body_size = UINT64_MAX);

// The largest body a sidecar of a `db_size`-byte database can have: every page stored whole,
// in one chain each, plus the index arrays.
uint64_t MaxSidecarBodySize(uint64_t db_size, uint32_t page_size);

}  // namespace shardyfusion::sqlite
