// One signed HTTP exchange with S3, with retries (internal).
//
// S3Client owns a small pool of curl easy handles (a handle serves one request at a time,
// and keeps its connections alive between requests).  Send() is thread-safe: concurrent
// callers take different handles.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/s3/s3_config.h"
#include "storage/s3/s3_uri.h"

namespace shardyfusion::s3 {

// A byte range of an open local file, sent as a request body.
struct FileRegion {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct S3Request {
  std::string method = "GET";        // GET HEAD PUT POST DELETE
  std::string key;                   // object key as stored (not encoded); empty: the bucket
  QueryParams query;                 // not encoded
  std::vector<std::string> headers;  // "Name: value"
  // Body: in-memory (signed with its SHA-256) or a file region (sent as UNSIGNED-PAYLOAD,
  // which S3 accepts, so large files are never hashed twice).  Must outlive Send().
  std::string_view body;
  const FileRegion* file_body = nullptr;
  // Called before every attempt, so a streaming sink can start over.
  std::function<void()> on_attempt;
  // Receives the body of a 2xx response instead of S3Response::body.  Returning false
  // aborts the request with a non-retryable ObjectStoreError (e.g. a full local disk).
  std::function<bool(std::string_view)> on_data;
  // CompleteMultipartUpload can fail after "200 OK" with an <Error> body; check for it.
  bool error_may_hide_in_200 = false;
};

struct S3Response {
  long status = 0;
  std::string body;                            // whole body unless on_data took it
  std::map<std::string, std::string> headers;  // names lower-cased
  int attempts = 0;

  std::string Header(const std::string& lower_name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const { return config_; }

  // Sends `request`, retrying 5xx, 429, S3's RequestTimeout/conflict codes, timeouts and
  // connection errors with exponential backoff and full jitter.  Returns the final
  // response whatever its status (callers map 404/412/4xx).  Throws S3TransientError when
  // attempts or the retry budget run out, ObjectStoreError for local failures.
  S3Response Send(const S3Request& request);

  // "PUT s3://bucket/key" for messages.
  std::string Describe(const S3Request& request) const;

 private:
  class HandlePool;
  struct Attempt;

  void RunAttempt(void* curl, const S3Request& request, const std::string& url,
                  const std::string& payload_hash, Attempt* attempt);

  S3Config config_;
  std::string user_agent_;
  std::unique_ptr<HandlePool> pool_;
};

}  // namespace shardyfusion::s3
