// GetRanges: S3 serves one range per request, so ranges are merged where they touch and
// the remaining requests run concurrently.
#include <algorithm>
#include <numeric>

#include "shardyfusion/errors.h"
#include "storage/s3/s3_errors.h"
#include "storage/s3/s3_object_store.h"
#include "storage/s3/s3_parallel.h"

namespace shardyfusion::s3 {
namespace {

// Start offset of a 206 answer, from "Content-Range: bytes 100-199/1000".
std::optional<uint64_t> ContentRangeStart(const std::string& header) {
  size_t space = header.find(' ');
  if (header.rfind("bytes", 0) != 0 || space == std::string::npos) return std::nullopt;
  return std::strtoull(header.c_str() + space + 1, nullptr, 10);
}

}  // namespace

std::vector<RangeGroup> CoalesceRanges(const std::vector<ByteRange>& ranges) {
  std::vector<size_t> order;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].length > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return ranges[a].offset < ranges[b].offset; });
  std::vector<RangeGroup> groups;
  for (size_t i : order) {
    const ByteRange& range = ranges[i];
    // Saturate: a range running past 2^64 is clipped at EOF anyway.
    uint64_t end = range.offset + std::min(range.length, UINT64_MAX - range.offset);
    if (!groups.empty() && range.offset <= groups.back().offset + groups.back().length) {
      RangeGroup& group = groups.back();
      group.length = std::max(group.offset + group.length, end) - group.offset;
      group.members.push_back(i);
    } else {
      groups.push_back(RangeGroup{range.offset, end - range.offset, {i}});
    }
  }
  return groups;
}

std::vector<std::string> S3ObjectStore::GetRanges(const std::string& key,
                                                  const std::vector<ByteRange>& ranges) {
  std::vector<std::string> out(ranges.size());
  std::vector<RangeGroup> groups = CoalesceRanges(ranges);
  if (groups.empty()) {
    // Nothing to fetch, but the contract still reports a missing object.
    if (!ranges.empty() && !Head(key)) {
      throw ObjectNotFoundError("S3 object s3://" + client_.config().bucket + "/" + key +
                                " does not exist");
    }
    return out;
  }
  ParallelFor(groups.size(), kMaxParallelRequests, [&](size_t g) {
    const RangeGroup& group = groups[g];
    S3Request request;
    request.key = key;
    request.headers.push_back("Range: bytes=" + std::to_string(group.offset) + "-" +
                              std::to_string(group.offset + group.length - 1));
    S3Response response = client_.Send(request);
    if (response.status == 416) return;  // starts at or past EOF: every member is empty
    if (!response.ok()) ThrowForResponse(client_, request, response);
    // 206 carries the requested window (shorter at EOF); a plain 200 means the server
    // ignored Range and sent the whole object.
    uint64_t body_start = 0;
    if (response.status == 206) {
      body_start = ContentRangeStart(response.Header("content-range")).value_or(group.offset);
    }
    for (size_t i : group.members) {
      const ByteRange& range = ranges[i];
      if (range.offset < body_start) {
        throw ObjectStoreError("S3 " + client_.Describe(request) + " answered bytes from " +
                               std::to_string(body_start) + ", past the requested " +
                               std::to_string(range.offset));
      }
      uint64_t start = range.offset - body_start;
      if (start >= response.body.size()) continue;
      out[i] = response.body.substr(start,
                                    std::min<uint64_t>(range.length, response.body.size() - start));
    }
  });
  return out;
}

}  // namespace shardyfusion::s3
