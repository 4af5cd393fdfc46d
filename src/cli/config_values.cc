// Parsing of single option values shared by flags and config files.
#include <cmath>

#include "cli/cli_error.h"
#include "cli/config.h"

namespace shardyfusion::cli {
namespace {

double PositiveSeconds(const std::string& key, const std::string& value) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
  }
  if (used != value.size() || !(v > 0) || !std::isfinite(v))
    throw UsageError("--s3-option " + key + " must be a positive number of seconds (got '" + value +
                     "')");
  return v;
}

bool ParseBool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes" || value == "True") return true;
  if (value == "false" || value == "0" || value == "no" || value == "False") return false;
  throw UsageError("--s3-option " + key + " must be true or false (got '" + value + "')");
}

}  // namespace

void ApplyS3Option(S3Options& options, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--s3-option must be KEY=VALUE, got '" + assignment + "'");
  std::string key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  if (key == "endpoint_url") {
    options.endpoint_url = value;
  } else if (key == "region" || key == "region_name") {
    options.region = value;
  } else if (key == "addressing_style") {
    if (value == "path")
      options.addressing = S3Addressing::kPath;
    else if (value == "virtual")
      options.addressing = S3Addressing::kVirtual;
    else if (value == "auto")
      options.addressing = S3Addressing::kAuto;
    else
      throw UsageError("--s3-option addressing_style must be path, virtual or auto (got '" + value +
                       "')");
  } else if (key == "signature_version") {
    if (value != "s3v4") throw UsageError("--s3-option signature_version: only s3v4 is supported");
  } else if (key == "verify_ssl") {
    options.verify_ssl = ParseBool(key, value);
  } else if (key == "connect_timeout") {
    options.connect_timeout_s = PositiveSeconds(key, value);
  } else if (key == "read_timeout") {
    options.read_timeout_s = PositiveSeconds(key, value);
  } else if (key == "max_attempts") {
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(value, &used);
    } catch (const std::exception&) {
    }
    if (used != value.size() || v < 1 || v > 100)
      throw UsageError("--s3-option max_attempts must be an integer in 1..100 (got '" + value +
                       "')");
    options.max_attempts = static_cast<int>(v);
  } else {
    throw UsageError(
        "unknown --s3-option '" + key +
        "' (known: endpoint_url, region, addressing_style, signature_version, verify_ssl, "
        "connect_timeout, read_timeout, max_attempts)");
  }
}

void CheckOutputFormat(const std::string& format) {
  if (format != "json" && format != "jsonl" && format != "table" && format != "text")
    throw UsageError("output format must be json, jsonl, table or text (got '" + format + "')");
}

void CheckValueEncoding(const std::string& encoding) {
  if (encoding != "base64" && encoding != "hex" && encoding != "utf8")
    throw UsageError("value encoding must be base64, hex or utf8 (got '" + encoding + "')");
}

SqliteReadMode ParseSqliteMode(const std::string& mode) {
  if (mode == "download") return SqliteReadMode::kDownload;
  if (mode == "range") return SqliteReadMode::kRange;
  if (mode == "auto") return SqliteReadMode::kAuto;
  throw UsageError("sqlite mode must be download, range or auto (got '" + mode + "')");
}

}  // namespace shardyfusion::cli
