#include "storage/s3/s3_retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace shardyfusion::s3 {

bool IsRetryableStatus(long status, std::string_view code) {
  if (status >= 500 || status == 429 || status == 408) return true;
  return code == "RequestTimeout" || code == "ConditionalRequestConflict" || code == "SlowDown" ||
         code == "InternalError";
}

bool IsRetryableCurlCode(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

double BackoffDelaySeconds(const S3Options& options, int failures) {
  double cap = options.initial_backoff_s * std::pow(2.0, std::max(0, failures - 1));
  cap = std::min(cap, options.max_backoff_s);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, cap)(rng);
}

}  // namespace shardyfusion::s3
