// Which S3 failures are worth another attempt, and how long to wait (internal).
#pragma once

#include <string_view>

#include "shardyfusion/s3_options.h"

namespace shardyfusion::s3 {

// 5xx, 429, 408, and the 4xx codes S3 documents as "try again": RequestTimeout (a slow
// upload) and ConditionalRequestConflict (a racing conditional write; the retry then
// reports the real outcome, usually 412).
bool IsRetryableStatus(long status, std::string_view s3_error_code);

// Timeouts, refused/reset connections, DNS hiccups, truncated transfers.  Not: TLS
// verification failures, malformed URLs, or our own callbacks aborting.
bool IsRetryableCurlCode(int curl_code);

// Full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^(failures-1))] seconds,
// so many writers hitting one throttled prefix spread out instead of retrying in step.
double BackoffDelaySeconds(const S3Options& options, int failures);

}  // namespace shardyfusion::s3
