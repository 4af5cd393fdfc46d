// Single-request operations of the S3 store: put, get, head, list, delete.
#include "storage/s3/s3_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "shardyfusion/errors.h"
#include "shardyfusion/s3_options.h"
#include "storage/s3/s3_errors.h"
#include "storage/s3/s3_xml.h"

namespace shardyfusion {
namespace s3 {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

uint64_t ParseSize(const std::string& text) {
  return text.empty() ? 0 : std::strtoull(text.c_str(), nullptr, 10);
}

}  // namespace

S3ObjectStore::S3ObjectStore(S3Config config) : client_(std::move(config)) {}

std::string S3ObjectStore::UrlFor(std::string_view key) const {
  return "s3://" + client_.config().bucket + "/" + std::string(key);
}

void S3ObjectStore::AddConditionHeaders(const PutOptions& options,
                                        std::vector<std::string>* headers) {
  if (options.if_none_match) headers->push_back("If-None-Match: *");
  if (options.if_match) headers->push_back("If-Match: " + *options.if_match);
}

PutResult S3ObjectStore::Put(const std::string& key, std::string_view body,
                             const PutOptions& options) {
  // Retrying a PUT is safe: objects are written once at unique paths (only _CURRENT is
  // overwritten, with the same bytes on a retry).  A conditional PUT whose first attempt
  // landed but whose answer was lost reports 412 on the retry: callers re-read and see.
  S3Request request;
  request.method = "PUT";
  request.key = key;
  request.body = body;
  request.headers.push_back("Content-Type: " + options.content_type);
  AddConditionHeaders(options, &request.headers);
  S3Response response = client_.Send(request);
  if (!response.ok()) ThrowForResponse(client_, request, response);
  return PutResult{response.Header("etag")};
}

std::optional<std::string> S3ObjectStore::Get(const std::string& key) {
  S3Request request;
  request.key = key;
  S3Response response = client_.Send(request);
  if (response.ok()) return std::move(response.body);
  if (response.status == 404 && ParseS3Error(response.body).code != "NoSuchBucket") {
    return std::nullopt;
  }
  ThrowForResponse(client_, request, response);
}

bool S3ObjectStore::GetToFile(const std::string& key, const std::string& local_path) {
  // Download next to the target and rename at the end, so a failure never leaves a
  // truncated file where a complete one is expected.
  std::string temp_path = local_path + ".sf-XXXXXX";
  int fd = mkstemp(temp_path.data());
  if (fd < 0) {
    throw ObjectStoreError("cannot create a temp file next to '" + local_path +
                           "': " + ErrnoText());
  }
  struct Cleanup {
    int fd;
    const std::string& path;
    bool keep = false;
    ~Cleanup() {
      if (fd >= 0) close(fd);
      if (!keep) unlink(path.c_str());
    }
  } cleanup{fd, temp_path};
  fchmod(fd, 0644);  // mkstemp makes it 0600; a download should look like a normal file

  S3Request request;
  request.key = key;
  request.on_attempt = [fd] {
    // A retry starts the download over.
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
      throw ObjectStoreError("cannot reset a download temp file: " + ErrnoText());
    }
  };
  request.on_data = [fd](std::string_view chunk) {
    while (!chunk.empty()) {
      ssize_t n = write(fd, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  };
  S3Response response = client_.Send(request);
  if (!response.ok()) {
    if (response.status == 404 && ParseS3Error(response.body).code != "NoSuchBucket") {
      return false;
    }
    ThrowForResponse(client_, request, response);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    cleanup.fd = -1;
    throw ObjectStoreError("cannot write '" + local_path + "': " + ErrnoText());
  }
  cleanup.fd = -1;
  if (std::rename(temp_path.c_str(), local_path.c_str()) != 0) {
    throw ObjectStoreError("cannot rename a download to '" + local_path + "': " + ErrnoText());
  }
  cleanup.keep = true;
  return true;
}

std::optional<ObjectInfo> S3ObjectStore::Head(const std::string& key) {
  S3Request request;
  request.method = "HEAD";
  request.key = key;
  S3Response response = client_.Send(request);
  // HEAD answers carry no body, so a missing bucket also reads as "no such object" here.
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) ThrowForResponse(client_, request, response);
  return ObjectInfo{key, ParseSize(response.Header("content-length")), response.Header("etag")};
}

ListPage S3ObjectStore::List(const std::string& prefix, const std::string& delimiter,
                             const std::string& continuation_token, size_t max_keys) {
  S3Request request;
  request.query = {{"list-type", "2"},
                   {"prefix", prefix},
                   {"max-keys", std::to_string(std::clamp<size_t>(max_keys, 1, 1000))}};
  if (!delimiter.empty()) request.query.emplace_back("delimiter", delimiter);
  if (!continuation_token.empty()) {
    request.query.emplace_back("continuation-token", continuation_token);
  }
  S3Response response = client_.Send(request);
  if (!response.ok()) ThrowForResponse(client_, request, response);

  ListPage page;
  XmlNode root;
  try {
    root = ParseXml(response.body);
  } catch (const ObjectStoreError& e) {
    throw ObjectStoreError("S3 ListObjectsV2 of s3://" + client_.config().bucket + "/" + prefix +
                               " returned an unreadable answer",
                           e);
  }
  for (const XmlNode* contents : root.ChildrenNamed("Contents")) {
    page.objects.push_back(ObjectInfo{contents->ChildText("Key"),
                                      ParseSize(contents->ChildText("Size")),
                                      contents->ChildText("ETag")});
  }
  for (const XmlNode* common : root.ChildrenNamed("CommonPrefixes")) {
    page.common_prefixes.push_back(common->ChildText("Prefix"));
  }
  std::string token = root.ChildText("NextContinuationToken");
  if (root.ChildText("IsTruncated") == "true" && !token.empty()) page.next_token = token;
  return page;
}

void S3ObjectStore::Delete(const std::string& key) {
  S3Request request;
  request.method = "DELETE";
  request.key = key;
  S3Response response = client_.Send(request);
  if (response.ok()) return;
  if (response.status == 404 && ParseS3Error(response.body).code != "NoSuchBucket") return;
  ThrowForResponse(client_, request, response);
}

}  // namespace s3

std::shared_ptr<ObjectStore> MakeS3ObjectStore(const std::string& bucket,
                                               const S3Options& options) {
  return std::make_shared<s3::S3ObjectStore>(s3::ResolveS3Config(bucket, options));
}

}  // namespace shardyfusion
