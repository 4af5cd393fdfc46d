// PutFile: one streamed PUT for small files, a multipart upload above the threshold.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shardyfusion/errors.h"
#include "storage/s3/s3_errors.h"
#include "storage/s3/s3_object_store.h"
#include "storage/s3/s3_parallel.h"
#include "storage/s3/s3_xml.h"

namespace shardyfusion::s3 {
namespace {

constexpr uint64_t kMaxParts = 10000;  // S3's limit per upload
constexpr size_t kMaxParallelParts = 4;

struct FileCloser {
  int fd;
  ~FileCloser() { close(fd); }
};

}  // namespace

PutResult S3ObjectStore::PutFile(const std::string& key, const std::string& local_path,
                                 const PutOptions& options) {
  int fd = open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw ObjectStoreError("cannot open '" + local_path + "' to upload to " + UrlFor(key) + ": " +
                           std::strerror(errno));
  }
  FileCloser closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) {
    throw ObjectStoreError("cannot stat '" + local_path + "': " + std::strerror(errno));
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > client_.config().options.multipart_threshold_bytes) {
    return PutMultipart(key, fd, size, options);
  }
  FileRegion region{fd, 0, size};
  S3Request request;
  request.method = "PUT";
  request.key = key;
  request.file_body = &region;
  request.headers.push_back("Content-Type: " + options.content_type);
  AddConditionHeaders(options, &request.headers);
  S3Response response = client_.Send(request);
  if (!response.ok()) ThrowForResponse(client_, request, response);
  return PutResult{response.Header("etag")};
}

PutResult S3ObjectStore::PutMultipart(const std::string& key, int fd, uint64_t size,
                                      const PutOptions& options) {
  uint64_t part_bytes = client_.config().options.multipart_part_bytes;
  part_bytes = std::max(part_bytes, (size + kMaxParts - 1) / kMaxParts);
  uint64_t part_count = (size + part_bytes - 1) / part_bytes;

  S3Request create;
  create.method = "POST";
  create.key = key;
  create.query = {{"uploads", ""}};
  create.headers.push_back("Content-Type: " + options.content_type);
  S3Response created = client_.Send(create);
  if (!created.ok()) ThrowForResponse(client_, create, created);
  std::string upload_id;
  try {
    upload_id = ParseXml(created.body).ChildText("UploadId");
  } catch (const ObjectStoreError&) {
  }
  if (upload_id.empty()) {
    throw ObjectStoreError("S3 CreateMultipartUpload for " + UrlFor(key) +
                           " returned no UploadId: " + created.body.substr(0, 200));
  }

  try {
    std::vector<std::string> etags(part_count);
    ParallelFor(part_count, kMaxParallelParts, [&](size_t i) {
      FileRegion region{fd, i * part_bytes, std::min(part_bytes, size - i * part_bytes)};
      S3Request part;
      part.method = "PUT";
      part.key = key;
      part.query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}};
      part.file_body = &region;
      S3Response response = client_.Send(part);
      if (!response.ok()) ThrowForResponse(client_, part, response);
      etags[i] = response.Header("etag");
      if (etags[i].empty()) {
        throw ObjectStoreError("S3 UploadPart " + std::to_string(i + 1) + " of " + UrlFor(key) +
                               " returned no ETag");
      }
    });

    std::string body = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < part_count; ++i) {
      body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
              XmlEscape(etags[i]) + "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    S3Request complete;
    complete.method = "POST";
    complete.key = key;
    complete.query = {{"uploadId", upload_id}};
    complete.body = body;
    complete.headers.push_back("Content-Type: application/xml");
    AddConditionHeaders(options, &complete.headers);  // S3 checks conditions on completion
    complete.error_may_hide_in_200 = true;
    S3Response done = client_.Send(complete);
    if (!done.ok()) ThrowForResponse(client_, complete, done);
    std::string etag = ParseXml(done.body).ChildText("ETag");
    if (etag.empty()) etag = done.Header("etag");
    return PutResult{etag};
  } catch (...) {
    // Uploaded parts are billed until aborted; abort best-effort and report the cause.
    try {
      S3Request abort;
      abort.method = "DELETE";
      abort.key = key;
      abort.query = {{"uploadId", upload_id}};
      client_.Send(abort);
    } catch (const std::exception&) {
    }
    throw;
  }
}

}  // namespace shardyfusion::s3
