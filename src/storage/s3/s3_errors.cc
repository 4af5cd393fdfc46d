#include "storage/s3/s3_errors.h"

#include "shardyfusion/errors.h"
#include "storage/s3/s3_xml.h"

namespace shardyfusion::s3 {

S3ErrorDetail ParseS3Error(std::string_view body) {
  S3ErrorDetail detail;
  if (body.find("<Error") == std::string_view::npos) return detail;
  try {
    XmlNode root = ParseXml(body);
    if (root.name == "Error") {
      detail.code = root.ChildText("Code");
      detail.message = root.ChildText("Message");
    }
  } catch (const std::exception&) {
    // Not XML after all (a proxy's HTML page); the status alone has to do.
  }
  return detail;
}

std::string DescribeStatus(const S3Response& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  S3ErrorDetail detail = ParseS3Error(response.body);
  if (!detail.code.empty()) text += " " + detail.code;
  if (!detail.message.empty()) text += ": " + detail.message;
  return text;
}

void ThrowForResponse(const S3Client& client, const S3Request& request,
                      const S3Response& response) {
  std::string message = "S3 " + client.Describe(request) + " failed: " + DescribeStatus(response);
  bool if_match = false;
  for (const std::string& header : request.headers) {
    if (header.rfind("If-Match:", 0) == 0) if_match = true;
  }
  // If-Match on a missing object is a lost condition too (S3 answers 404 NoSuchKey).
  bool missing_key = response.status == 404 && ParseS3Error(response.body).code != "NoSuchBucket";
  if (response.status == 412 || (if_match && missing_key)) {
    throw PreconditionFailedError(message + " (conditional write lost: the object changed)");
  }
  if (missing_key) throw ObjectNotFoundError(message);
  throw ObjectStoreError(message);
}

}  // namespace shardyfusion::s3
