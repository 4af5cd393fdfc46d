#include "storage/s3/s3_crypto.h"

#include <openssl/evp.h>

#include "shardyfusion/errors.h"

namespace shardyfusion::s3 {
namespace {

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    throw ObjectStoreError("OpenSSL digest failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digest = Digest(EVP_sha256(), data);
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 0xF]);
  }
  return hex;
}

std::string Md5Base64(std::string_view data) {
  std::string digest = Digest(EVP_md5(), data);
  std::string out(4 * ((digest.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(digest.data()),
                          static_cast<int>(digest.size()));
  out.resize(n);
  return out;
}

}  // namespace shardyfusion::s3
