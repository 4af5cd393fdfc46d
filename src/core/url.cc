#include "shardyfusion/url.h"

#include <filesystem>
#include <vector>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

std::string_view Trim(std::string_view s, bool leading) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  while (leading && !s.empty() && s.front() == '/') s.remove_prefix(1);
  return s;
}

}  // namespace

std::string StorageUrl::ToString() const {
  if (scheme == "file") return "file:///" + key;
  return scheme + "://" + bucket + (key.empty() ? "" : "/" + key);
}

StorageUrl ParseStorageUrl(std::string_view url) {
  StorageUrl out;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    if (url.empty()) throw ConfigValidationError("storage URL is empty");
    // A plain local path: made absolute so the URL means the same from any directory.
    std::string abs = std::filesystem::absolute(std::string(url)).lexically_normal().string();
    out.scheme = "file";
    out.key = std::string(Trim(abs, true));
    return out;
  }
  out.scheme = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  if (out.scheme == "file") {
    if (rest.empty() || rest.front() != '/')
      throw ConfigValidationError("file URL must be absolute (file:///path): '" +
                                  std::string(url) + "'");
    out.key = std::string(Trim(rest, true));
    return out;
  }
  if (out.scheme != "s3" && out.scheme != "mem")
    throw ConfigValidationError("unsupported URL scheme '" + out.scheme + "' in '" +
                                std::string(url) + "' (expected s3://, file:// or a path)");
  auto slash = rest.find('/');
  out.bucket = std::string(rest.substr(0, slash));
  if (out.bucket.empty())
    throw ConfigValidationError("URL has no bucket: '" + std::string(url) + "'");
  if (slash != std::string_view::npos) out.key = std::string(rest.substr(slash + 1));
  return out;
}

std::string JoinUrl(std::string_view base, std::initializer_list<std::string_view> parts) {
  std::string out(Trim(base, false));
  for (std::string_view part : parts) {
    part = Trim(part, true);
    if (part.empty()) continue;
    out += '/';
    out += part;
  }
  return out;
}

void ValidateRootUrl(std::string_view url, std::string_view field) {
  StorageUrl parsed;
  try {
    parsed = ParseStorageUrl(url);
  } catch (const ConfigValidationError& e) {
    throw ConfigValidationError(std::string(field) + ": " + e.what());
  }
  if (Trim(parsed.key, true).empty())
    throw ConfigValidationError(std::string(field) + " must name a non-empty key prefix: '" +
                                std::string(url) + "'");
}

void ValidatePathSegment(std::string_view value, std::string_view field) {
  bool ok = !value.empty() && value != "." && value != "..";
  for (char c : value) {
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == '-';
    ok = ok && allowed;
  }
  if (!ok || value.find("..") != std::string_view::npos)
    throw ConfigValidationError(std::string(field) + " must be one path segment of [A-Za-z0-9._-]: '" +
                                std::string(value) + "'");
}

}  // namespace shardyfusion
