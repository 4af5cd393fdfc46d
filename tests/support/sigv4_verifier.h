// An independent AWS Signature V4 checker for captured S3 requests.
//
// Written from the AWS specification, not from curl or the library, and checked against
// the worked examples of the S3 documentation: it recomputes the signature the way S3
// does (canonical URI = the decoded path re-encoded per segment, canonical query = decoded
// pairs re-encoded and sorted), so a request whose path was not already canonical fails
// here exactly as it would fail on AWS.
#pragma once

#include <string>

#include "support/fake_http_server.h"

namespace shardyfusion::testing {

struct SigV4Verdict {
  bool ok = false;
  std::string problem;            // why not ok
  std::string canonical_request;  // as recomputed
  std::string expected_signature;
  std::string actual_signature;
};

// Checks the Authorization header of `request` against `secret_access_key`.  Also checks
// that every signed header was really sent and that x-amz-content-sha256 is present and,
// unless UNSIGNED-PAYLOAD, equals the body's hash.
SigV4Verdict VerifySigV4(const HttpRequest& request, const std::string& secret_access_key);

}  // namespace shardyfusion::testing
