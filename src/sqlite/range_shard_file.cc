#include "sqlite/range_shard_file.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "sqlite/page_size.h"
#include "sqlite/shard_db_file.h"
#include "sqlite/sidecar.h"

namespace shardyfusion::sqlite {
namespace {

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Requests needed for `ranges` once touching ranges are merged (what the S3 store sends).
uint64_t CountRangeGroups(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  uint64_t groups = 0, end = 0;
  for (const auto& r : ranges) {
    if (groups == 0 || r.offset > end) ++groups;
    end = std::max(end, r.offset + r.length);
  }
  return groups;
}

}  // namespace

RangeShardFile::RangeShardFile(std::shared_ptr<ObjectStore> store, std::string key, std::string url,
                               size_t cache_pages)
    : store_(std::move(store)), key_(std::move(key)), url_(std::move(url)), cache_(cache_pages) {}

std::shared_ptr<RangeShardFile> RangeShardFile::Open(StoreResolver& resolver,
                                                     const std::string& db_url,
                                                     const RangeFileOptions& options) {
  std::string base = TrimSlashes(db_url);
  auto db = resolver.Resolve(base + "/" + std::string(kShardDbFileName));
  std::shared_ptr<RangeShardFile> file(
      new RangeShardFile(db.store, db.key, db.store->UrlFor(db.key), options.page_cache_pages));
  ++file->head_calls_;
  auto info = file->store_->Head(file->key_);
  if (!info) throw DbAdapterError("SQLite shard object " + file->url_ + " does not exist");
  file->size_ = info->size;
  if (options.use_sidecar) {
    // The sidecar sits next to the .db it is bound to, in the same store.
    std::string dir = db.key.substr(0, db.key.size() - kShardDbFileName.size());
    file->LoadSidecar(dir + std::string(kSidecarFileName), info->etag);
  }
  if (file->pinned_.count(1) == 0) file->ReadHeader();
  return file;
}

// The reference reads bytes [0, 100) and assumes 4096 on any failure; a wrong guess only
// changes fetch granularity, never the bytes SQLite sees.
void RangeShardFile::ReadHeader() {
  try {
    ++get_ranges_calls_;
    ++range_requests_;
    auto parts = store_->GetRanges(key_, {ByteRange{0, 100}});
    if (auto size = PageSizeFromHeader(parts.at(0))) page_size_ = *size;
    if (parts[0].size() > 20) reserved_bytes_ = static_cast<unsigned char>(parts[0][20]);
  } catch (const std::exception& e) {
    LogEvent(LogLevel::kDebug, "sqlite_range_header_unreadable",
             {{"url", url_}, {"error", e.what()}});
  }
}

PageBuffer RangeShardFile::Cached(uint32_t pageno) {
  auto it = pinned_.find(pageno);
  if (it != pinned_.end()) return it->second;
  return cache_.Get(pageno);
}

size_t RangeShardFile::Read(char* out, size_t amount, uint64_t offset) {
  if (amount == 0 || offset >= size_) return 0;
  const uint64_t end = std::min<uint64_t>(offset + amount, size_);
  const auto first = static_cast<uint32_t>(offset / page_size_ + 1);
  const auto last = static_cast<uint32_t>((end - 1) / page_size_ + 1);
  std::vector<PageBuffer> pages(last - first + 1);
  std::vector<uint32_t> missing;
  for (uint32_t p = first; p <= last; ++p) {
    pages[p - first] = Cached(p);
    if (pages[p - first]) {
      ++page_hits_;
    } else {
      missing.push_back(p);
    }
  }
  if (!missing.empty()) {
    auto fetched = Fetch(missing);
    for (uint32_t p : missing) pages[p - first] = fetched.at(p);
  }
  uint64_t pos = offset;
  char* dst = out;
  for (uint32_t p = first; p <= last; ++p) {
    const std::string& page = *pages[p - first];
    uint64_t page_start = uint64_t{p - 1} * page_size_;
    uint64_t from = pos - page_start;
    uint64_t to = std::min<uint64_t>(end - page_start, page.size());
    if (to < from) break;  // cannot happen for a consistent object; Fetch checks lengths
    std::memcpy(dst, page.data() + from, to - from);
    dst += to - from;
    pos += to - from;
  }
  return static_cast<size_t>(dst - out);
}

std::map<uint32_t, PageBuffer> RangeShardFile::Fetch(const std::vector<uint32_t>& pages) {
  std::set<uint32_t> wanted(pages.begin(), pages.end());
  // Walking an overflow chain would otherwise cost one round trip per page; prefetching
  // is pointless when nothing can be kept.
  if (cache_.capacity() > 0) {
    for (uint32_t p : pages) {
      auto it = chain_pos_.find(p);
      if (it == chain_pos_.end()) continue;
      const auto& chain = chains_[it->second.first];
      for (size_t i = it->second.second + 1; i < chain.size(); ++i)
        if (chain[i] <= PageCount() && !Cached(chain[i])) wanted.insert(chain[i]);
    }
  }
  std::vector<ByteRange> ranges;
  for (uint32_t p : wanted) {
    uint64_t start = uint64_t{p - 1} * page_size_;
    ranges.push_back({start, std::min<uint64_t>(page_size_, size_ - start)});
  }
  ++get_ranges_calls_;
  range_requests_ += CountRangeGroups(ranges);
  auto parts = store_->GetRanges(key_, ranges);
  std::map<uint32_t, PageBuffer> out;
  size_t i = 0;
  for (uint32_t p : wanted) {
    if (parts.at(i).size() != ranges[i].length)
      throw DbAdapterError("SQLite shard object " + url_ + " returned " +
                           std::to_string(parts[i].size()) + " bytes for page " +
                           std::to_string(p) + " (expected " + std::to_string(ranges[i].length) +
                           "); the object changed or is truncated");
    auto page = std::make_shared<const std::string>(std::move(parts[i]));
    cache_.Put(p, page);
    out.emplace(p, std::move(page));
    ++i;
  }
  pages_fetched_ += wanted.size();
  return out;
}

RangeReaderStats RangeShardFile::stats() const {
  RangeReaderStats s;
  s.head_calls = head_calls_;
  s.get_calls = get_calls_;
  s.get_ranges_calls = get_ranges_calls_;
  s.range_requests = range_requests_;
  s.pages_fetched = pages_fetched_;
  s.page_hits = page_hits_;
  s.sidecar_used = !pinned_.empty();
  s.sidecar_status = sidecar_status_;
  return s;
}

}  // namespace shardyfusion::sqlite
