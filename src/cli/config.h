// reader.toml / credentials.toml: where they are found and what they hold
// (features C-03..C-07).  Every problem is a UsageError naming the file and the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shardyfusion/reader.h"
#include "shardyfusion/s3_options.h"
#include "shardyfusion/shard_backend.h"

namespace shardyfusion::cli {

// [reader]; an empty string counts as unset.
struct ReaderConfig {
  std::string current_url;
  std::string s3_prefix;  // root without a pointer name (pointer `_CURRENT`)
  std::string local_root;
  ThreadSafety thread_safety = ThreadSafety::kLock;
  double pool_checkout_timeout_s = 30;
  int max_workers = 4;
  std::string credentials_profile = "default";
  ShardBackend backend = ShardBackend::kSqlite;  // reader_backend
  SqliteReadMode sqlite_mode = SqliteReadMode::kAuto;
  uint64_t sqlite_auto_per_shard_bytes = 16ull << 20;
  uint64_t sqlite_auto_total_bytes = 2ull << 30;
};

// [output]
struct OutputConfig {
  std::string format = "jsonl";           // json | jsonl | table | text
  std::string value_encoding = "base64";  // base64 | hex | utf8
  std::string null_repr = "null";
};

struct ReaderToml {
  std::optional<std::string> path;  // the file read, if any
  ReaderConfig reader;
  OutputConfig output;
};

// Search order: `explicit_path`, then $SHARDY_CONFIG, then ./reader.toml, then
// ~/.config/shardy/reader.toml.  No file at all gives the defaults; a named file that
// does not exist is an error.
ReaderToml LoadReaderToml(const std::string& explicit_path);

// One credentials.toml profile, already mapped onto S3 options (only fields it sets).
struct CredentialsProfile {
  std::optional<std::string> path;  // the file read; empty: no file (environment only)
  S3Options options;
  bool found = false;
};

// Same search order with $SHARDY_CREDENTIALS and credentials.toml.  Warns on stderr when
// the file is readable by group or others.  A missing profile in an existing file is an
// error; no file means "use the environment".
CredentialsProfile LoadCredentialsProfile(const std::string& explicit_path,
                                          const std::string& profile);

// Applies one --s3-option KEY=VALUE (endpoint_url, region, addressing_style,
// signature_version, verify_ssl, connect_timeout, read_timeout, max_attempts).
void ApplyS3Option(S3Options& options, const std::string& assignment);

// Checks a format / value-encoding name (UsageError listing the allowed ones).
void CheckOutputFormat(const std::string& format);
void CheckValueEncoding(const std::string& encoding);
SqliteReadMode ParseSqliteMode(const std::string& mode);

}  // namespace shardyfusion::cli
