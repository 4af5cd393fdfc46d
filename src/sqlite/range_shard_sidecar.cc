// Sidecar loading for RangeShardFile (format.md §4.6).  Best effort by design: any
// problem (absent, unreadable, stale, malformed) just means plain page reads, so nothing
// here throws.
#include "shardyfusion/observability.h"
#include "sqlite/page_size.h"
#include "sqlite/range_shard_file.h"
#include "sqlite/sidecar.h"

namespace shardyfusion::sqlite {

void RangeShardFile::LoadSidecar(const std::string& sidecar_key, const std::string& etag) {
  auto decline = [&](std::string why) {
    sidecar_status_ = std::move(why);
    LogEvent(LogLevel::kDebug, "sqlite_sidecar_ignored",
             {{"url", url_}, {"reason", sidecar_status_}});
  };
  std::optional<std::string> bytes;
  try {
    ++get_calls_;
    bytes = store_->Get(sidecar_key);
  } catch (const std::exception& e) {
    return decline(std::string("sidecar fetch failed: ") + e.what());
  }
  if (!bytes) return decline("absent");
  // Check the binding before paying for decompression.
  auto prefix = ParseSidecarPrefix(*bytes);
  if (!prefix) return decline(prefix.rejection);
  if (prefix.value->db_tag.empty()) return decline("sidecar is unbound (no db_tag)");
  if (prefix.value->db_tag != etag)
    return decline("sidecar db_tag " + prefix.value->db_tag + " != live ETag " + etag);
  // Bounded by what a sidecar of this object can hold: a tiny zstd frame may claim gigabytes.
  auto parsed = ParseSidecar(*bytes, MaxSidecarBodySize(size_, prefix.value->page_size));
  if (!parsed) return decline(parsed.rejection);
  Sidecar& sidecar = *parsed.value;
  // Page 1 is always stored (schema b-tree); its header must agree with the prefix.
  auto page1 = sidecar.pages.find(1);
  if (page1 == sidecar.pages.end()) return decline("sidecar lacks page 1");
  if (PageSizeFromHeader(page1->second) != sidecar.page_size)
    return decline("sidecar page_size disagrees with the database header");
  const uint64_t page_count = (size_ + sidecar.page_size - 1) / sidecar.page_size;
  if (size_ % sidecar.page_size != 0 || sidecar.pages.rbegin()->first > page_count)
    return decline("sidecar pages do not fit the object size");

  page_size_ = sidecar.page_size;
  reserved_bytes_ = static_cast<unsigned char>(page1->second[20]);
  for (auto& [pageno, page] : sidecar.pages)
    pinned_.emplace(pageno, std::make_shared<const std::string>(std::move(page)));
  chains_ = std::move(sidecar.overflow_chains);
  for (size_t c = 0; c < chains_.size(); ++c)
    for (size_t i = 0; i < chains_[c].size(); ++i)
      chain_pos_.emplace(chains_[c][i], std::make_pair(c, i));
  sidecar_status_ = "used";
}

}  // namespace shardyfusion::sqlite
