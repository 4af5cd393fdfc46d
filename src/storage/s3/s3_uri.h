// URI encoding as SigV4 canonicalises it (internal).
//
// curl's SigV4 signer (7.88) signs the path and query exactly as they appear in the URL it
// is given, while S3 recomputes the canonical request from the decoded key.  So we hand
// curl a URL that is already in canonical form: every byte outside A-Z a-z 0-9 - . _ ~
// percent-encoded (upper-case hex), '/' kept in paths, query pairs sorted by name.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shardyfusion::s3 {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes `value`; '/' is kept when `keep_slash` (object paths).
std::string UriEncode(std::string_view value, bool keep_slash);

// Reverses UriEncode (and any %XX); '+' is left alone.
std::string UriDecode(std::string_view value);

// "/seg1/seg2" for a key "seg1/seg2"; "" for an empty key (the bucket itself).
std::string EncodeKeyPath(std::string_view key);

// "?a=1&b=2", sorted by encoded name then value, every pair written with '=' (S3 accepts
// "uploads=" for "uploads", and it is the canonical form).  "" when `params` is empty.
std::string CanonicalQuery(QueryParams params);

}  // namespace shardyfusion::s3
