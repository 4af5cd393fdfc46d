// Digests S3 asks for (internal): the SigV4 payload hash and DeleteObjects' Content-MD5.
#pragma once

#include <string>
#include <string_view>

namespace shardyfusion::s3 {

// Lower-case hex SHA-256, the value of x-amz-content-sha256.
std::string Sha256Hex(std::string_view data);

// Base64 of the binary MD5, the value of Content-MD5.
std::string Md5Base64(std::string_view data);

}  // namespace shardyfusion::s3
