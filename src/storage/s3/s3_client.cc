#include "storage/s3/s3_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include "shardyfusion/errors.h"
#include "storage/s3/s3_crypto.h"
#include "storage/s3/s3_errors.h"
#include "storage/s3/s3_retry.h"

namespace shardyfusion::s3 {
namespace {

// curl_global_init is not thread-safe and must run before any handle exists.  It is never
// undone: other code in the process may use curl, and cleanup at exit buys nothing.
void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw ObjectStoreError("curl_global_init failed");
    }
  });
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) {
    curl_slist* next = curl_slist_append(list, header.c_str());
    if (!next) throw ObjectStoreError("out of memory building S3 request headers");
    list = next;
  }
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string S3Response::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

// Idle handles are kept (up to a bound) so their connections are reused.
class S3Client::HandlePool {
 public:
  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (!handle) throw ObjectStoreError("curl_easy_init failed");
    return handle;
  }
  void Release(CURL* handle) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(handle);
    } else {
      curl_easy_cleanup(handle);
    }
  }

 private:
  static constexpr size_t kMaxIdle = 32;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

struct S3Client::Attempt {
  const S3Request* request = nullptr;
  S3Response response;
  CURLcode code = CURLE_OK;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  uint64_t upload_pos = 0;
  uint64_t upload_size = 0;
  bool sink_failed = false;
  bool read_failed = false;

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Attempt*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
      // A new status line (after "100 Continue" or a redirect) starts a fresh header set.
      self->response.headers.clear();
      size_t space = line.find(' ');
      if (space != std::string_view::npos) {
        self->response.status =
            std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
      }
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
      std::string name(Trim(line.substr(0, colon)));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      self->response.headers[name] = std::string(Trim(line.substr(colon + 1)));
    }
    return size * count;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Attempt*>(user);
    std::string_view chunk(data, size * count);
    if (self->request->on_data && self->response.ok()) {
      if (!self->request->on_data(chunk)) {
        self->sink_failed = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
      }
    } else {
      self->response.body.append(chunk);
    }
    return chunk.size();
  }

  static size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
    auto* self = static_cast<Attempt*>(user);
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(size * count, self->upload_size - self->upload_pos));
    if (want == 0) return 0;
    if (const FileRegion* file = self->request->file_body) {
      ssize_t n =
          pread(file->fd, buffer, want, static_cast<off_t>(file->offset + self->upload_pos));
      if (n <= 0) {
        self->read_failed = true;
        return CURL_READFUNC_ABORT;
      }
      want = static_cast<size_t>(n);
    } else {
      std::memcpy(buffer, self->request->body.data() + self->upload_pos, want);
    }
    self->upload_pos += want;
    return want;
  }

  // curl rewinds the body when it must resend it on a new connection.
  static int OnSeek(void* user, curl_off_t offset, int origin) {
    auto* self = static_cast<Attempt*>(user);
    if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > self->upload_size) {
      return CURL_SEEKFUNC_CANTSEEK;
    }
    self->upload_pos = static_cast<uint64_t>(offset);
    return CURL_SEEKFUNC_OK;
  }
};

S3Client::S3Client(S3Config config)
    : config_(std::move(config)),
      user_agent_(std::string("shardyfusion/0.1 ") + curl_version()),
      pool_(std::make_unique<HandlePool>()) {
  EnsureCurlGlobalInit();
}

S3Client::~S3Client() = default;

std::string S3Client::Describe(const S3Request& request) const {
  std::string text = request.method + " s3://" + config_.bucket;
  if (!request.key.empty()) text += "/" + request.key;
  return text;
}

void S3Client::RunAttempt(void* curl_handle, const S3Request& request, const std::string& url,
                          const std::string& payload_hash, Attempt* attempt) {
  CURL* curl = static_cast<CURL*>(curl_handle);
  const S3Options& o = config_.options;
  curl_easy_reset(curl);  // keeps the connection cache
  attempt->request = &request;
  attempt->upload_size = request.file_body ? request.file_body->length : request.body.size();

  HeaderList headers;
  for (const std::string& header : request.headers) headers.Add(header);
  // curl 7.88 does not add x-amz-content-sha256 for s3, but signs with its value when set.
  headers.Add("x-amz-content-sha256: " + payload_hash);
  if (!config_.credentials.session_token.empty()) {
    headers.Add("x-amz-security-token: " + config_.credentials.session_token);
  }
  // Note: no "Expect:" suppression header: curl would sign it without sending it.

  std::string sigv4 = "aws:amz:" + config_.region + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "." / ".." segments
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, config_.credentials.access_key_id.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.credentials.secret_access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, attempt->error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::ceil(o.connect_timeout_s * 1000)));
  // A read timeout, not a total one: big transfers may take long, a stalled one may not.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(std::ceil(o.read_timeout_s))));
  // Servers without 100-continue support (moto) would otherwise stall each big upload 1s.
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o.verify_ssl ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o.verify_ssl ? 2L : 0L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Attempt::OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, attempt);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Attempt::OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, attempt);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "PUT" || request.method == "POST") {
    // UPLOAD streams the body through OnRead for both methods (POST via CUSTOMREQUEST),
    // so memory and file bodies take the same path and are rewindable.
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(attempt->upload_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &Attempt::OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, attempt);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, &Attempt::OnSeek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, attempt);
    if (request.method == "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  attempt->code = curl_easy_perform(curl);
  // Drop pointers into this stack frame before the handle goes back to the pool.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
}

S3Response S3Client::Send(const S3Request& request) {
  const S3Options& o = config_.options;
  std::string url = config_.bucket_url + EncodeKeyPath(request.key) + CanonicalQuery(request.query);
  std::string payload_hash =
      request.file_body ? std::string("UNSIGNED-PAYLOAD") : Sha256Hex(request.body);

  CURL* curl = pool_->Acquire();
  struct Lease {
    HandlePool* pool;
    CURL* curl;
    ~Lease() { pool->Release(curl); }
  } lease{pool_.get(), curl};

  auto start = std::chrono::steady_clock::now();
  std::string last_failure;
  int attempts = 0;
  while (true) {
    ++attempts;
    if (request.on_attempt) request.on_attempt();
    Attempt attempt;
    RunAttempt(curl, request, url, payload_hash, &attempt);
    attempt.response.attempts = attempts;

    if (attempt.code != CURLE_OK) {
      std::string detail =
          attempt.error_buffer[0] ? attempt.error_buffer : curl_easy_strerror(attempt.code);
      if (attempt.sink_failed || attempt.read_failed) {
        throw ObjectStoreError("S3 " + Describe(request) + " failed: local " +
                               (attempt.sink_failed ? "write" : "read") + " error (" + detail +
                               ")");
      }
      last_failure = "curl error " + std::to_string(attempt.code) + " (" + detail + ")";
      if (!IsRetryableCurlCode(attempt.code)) {
        throw ObjectStoreError("S3 " + Describe(request) + " failed: " + last_failure);
      }
    } else {
      S3Response& response = attempt.response;
      // Only error bodies are parsed: a 2xx body is object data, whatever it looks like.
      S3ErrorDetail error;
      if (!response.ok() || request.error_may_hide_in_200) error = ParseS3Error(response.body);
      if (response.ok() && !error.code.empty()) {
        // An <Error> after "200 OK" (CompleteMultipartUpload): report it as the HTTP error
        // it really is, a 500 when S3 says to retry.
        response.status = IsRetryableStatus(400, error.code) ? 500 : 400;
      }
      if (!IsRetryableStatus(response.status, error.code)) return response;
      last_failure = DescribeStatus(response);
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double delay = BackoffDelaySeconds(o, attempts);
    if (attempts >= o.max_attempts || elapsed + delay > o.retry_budget_s) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char elapsed_text[32];
  std::snprintf(elapsed_text, sizeof elapsed_text, "%.2fs", elapsed);
  throw S3TransientError("S3 " + Describe(request) + " failed after " + std::to_string(attempts) +
                         " attempt(s) in " + elapsed_text + ": " + last_failure);
}

}  // namespace shardyfusion::s3
