#include "support/sigv4_verifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

namespace shardyfusion::testing {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// AWS UriEncode(): unreserved characters stay, everything else is %XX (upper-case).
std::string Encode(const std::string& s, bool keep_slash) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Between(const std::string& s, const std::string& start, const std::string& end) {
  size_t a = s.find(start);
  if (a == std::string::npos) return "";
  a += start.size();
  size_t b = s.find(end, a);
  return s.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

std::string CollapseSpaces(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  size_t b = out.find_first_not_of(' ');
  size_t e = out.find_last_not_of(' ');
  return b == std::string::npos ? "" : out.substr(b, e - b + 1);
}

}  // namespace

SigV4Verdict VerifySigV4(const HttpRequest& request, const std::string& secret) {
  SigV4Verdict v;
  std::string auth = request.Header("authorization");
  if (auth.rfind("AWS4-HMAC-SHA256 ", 0) != 0) {
    v.problem = "no AWS4-HMAC-SHA256 Authorization header";
    return v;
  }
  std::string credential = Between(auth, "Credential=", ",");
  std::string signed_headers = Between(auth, "SignedHeaders=", ",");
  v.actual_signature = Between(auth, "Signature=", ",");
  std::vector<std::string> scope;
  std::stringstream cs(credential);
  for (std::string part; std::getline(cs, part, '/');) scope.push_back(part);
  if (scope.size() != 5 || scope[4] != "aws4_request") {
    v.problem = "bad credential scope " + credential;
    return v;
  }
  std::string amz_date = request.Header("x-amz-date");
  std::string payload_hash = request.Header("x-amz-content-sha256");
  if (payload_hash.empty()) {
    v.problem = "x-amz-content-sha256 missing (S3 requires it)";
    return v;
  }
  if (payload_hash != "UNSIGNED-PAYLOAD" && payload_hash != Hex(Sha256(request.body))) {
    v.problem = "x-amz-content-sha256 does not match the body";
    return v;
  }

  size_t q = request.target.find('?');
  std::string path = request.target.substr(0, q);
  std::string query = q == std::string::npos ? "" : request.target.substr(q + 1);
  std::vector<std::pair<std::string, std::string>> params;
  std::stringstream qs(query);
  for (std::string pair; std::getline(qs, pair, '&');) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    params.emplace_back(Encode(Decode(pair.substr(0, eq)), false),
                        eq == std::string::npos ? "" : Encode(Decode(pair.substr(eq + 1)), false));
  }
  std::sort(params.begin(), params.end());
  std::string canonical_query;
  for (const auto& [name, value] : params) {
    canonical_query += (canonical_query.empty() ? "" : "&") + name + "=" + value;
  }

  std::string canonical_headers;
  std::stringstream sh(signed_headers);
  for (std::string name; std::getline(sh, name, ';');) {
    if (!request.headers.count(name)) {
      v.problem = "signed header '" + name + "' was not sent";
      return v;
    }
    canonical_headers += name + ":" + CollapseSpaces(request.Header(name)) + "\n";
  }
  if (signed_headers.find("host") == std::string::npos) {
    v.problem = "host is not signed";
    return v;
  }

  v.canonical_request = request.method + "\n" + Encode(Decode(path), true) + "\n" +
                        canonical_query + "\n" + canonical_headers + "\n" + signed_headers + "\n" +
                        payload_hash;
  std::string scope_text = scope[1] + "/" + scope[2] + "/" + scope[3] + "/aws4_request";
  std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope_text + "\n" + Hex(Sha256(v.canonical_request));
  std::string key = Hmac("AWS4" + secret, scope[1]);
  key = Hmac(key, scope[2]);
  key = Hmac(key, scope[3]);
  key = Hmac(key, "aws4_request");
  v.expected_signature = Hex(Hmac(key, string_to_sign));
  v.ok = v.expected_signature == v.actual_signature;
  if (!v.ok) v.problem = "signature mismatch";
  return v;
}

}  // namespace shardyfusion::testing
