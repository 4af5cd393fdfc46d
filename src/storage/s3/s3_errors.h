// Turning S3 error responses into library exceptions (internal).
#pragma once

#include <string>
#include <string_view>

#include "storage/s3/s3_client.h"

namespace shardyfusion::s3 {

struct S3ErrorDetail {
  std::string code;     // e.g. "NoSuchKey"; empty when the body is not an S3 error
  std::string message;  // S3's human-readable text
};

// Reads <Error><Code/><Message/></Error>; never throws (a garbled body gives empty fields).
S3ErrorDetail ParseS3Error(std::string_view body);

// "HTTP 404 NoSuchBucket: The specified bucket does not exist".
std::string DescribeStatus(const S3Response& response);

// Throws for a non-2xx `response` to `request`: 412 (and 404 on an If-Match put) ->
// PreconditionFailedError, 404 -> ObjectNotFoundError, anything else -> ObjectStoreError.
// The message names method, URL, status, and S3's code and message.
[[noreturn]] void ThrowForResponse(const S3Client& client, const S3Request& request,
                                   const S3Response& response);

}  // namespace shardyfusion::s3
