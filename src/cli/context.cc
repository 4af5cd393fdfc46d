#include "cli/context.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli_error.h"
#include "cli/config_search.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/key.h"
#include "shardyfusion/url.h"

namespace shardyfusion::cli {
namespace {

bool HasScheme(const std::string& url) { return url.find("://") != std::string::npos; }

std::string TrimTrailingSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Shard caches are per user and per snapshot root, and shared across invocations (the
// cache is safe across processes), so repeated commands do not download shards again.
std::string DefaultLocalRoot(const std::string& root_url) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(Xxh3_64(root_url)));
  return (std::filesystem::temp_directory_path() / ("shardy-" + std::to_string(::getuid())) / hash)
      .string();
}

}  // namespace

std::pair<std::string, std::string> SplitCurrentUrl(const std::string& url) {
  const bool file_url = url.rfind("file://", 0) == 0;
  if (!HasScheme(url) || file_url) {
    std::error_code ec;
    std::string path = file_url ? url.substr(7) : url;
    if (!path.empty() && std::filesystem::is_directory(path, ec))
      return {TrimTrailingSlash(url), "_CURRENT"};
  }
  std::string trimmed = TrimTrailingSlash(url);
  size_t scheme_end = HasScheme(trimmed) ? trimmed.find("://") + 3 : 0;
  size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos || slash < scheme_end || slash + 1 >= trimmed.size())
    throw UsageError("cannot split CURRENT URL '" + url + "' into a root and a pointer name");
  return {trimmed.substr(0, slash), trimmed.substr(slash + 1)};
}

CliContext::CliContext(GlobalFlags flags) : flags_(std::move(flags)), out_(&std::cout) {}

void CliContext::LoadConfig() {
  if (loaded_) return;
  ReaderToml toml = LoadReaderToml(flags_.config_path);
  reader_ = toml.reader;
  output_ = toml.output;
  if (!flags_.output_format.empty()) {
    CheckOutputFormat(flags_.output_format);
    output_.format = flags_.output_format;
  }
  if (!flags_.value_encoding.empty()) {
    CheckValueEncoding(flags_.value_encoding);
    output_.value_encoding = flags_.value_encoding;
  }
  if (!flags_.backend.empty()) {
    reader_.backend = ParseShardBackend(flags_.backend, "--backend");
    if (reader_.backend == ShardBackend::kSlateDb && !SlateDbAvailable())
      throw UsageError("--backend slatedb is not available in this build (configured without cargo)");
  }
  if (!flags_.sqlite_mode.empty()) reader_.sqlite_mode = ParseSqliteMode(flags_.sqlite_mode);
  if (flags_.sqlite_auto_per_shard_bytes)
    reader_.sqlite_auto_per_shard_bytes = *flags_.sqlite_auto_per_shard_bytes;
  if (flags_.sqlite_auto_total_bytes)
    reader_.sqlite_auto_total_bytes = *flags_.sqlite_auto_total_bytes;
  if (!flags_.local_root.empty()) reader_.local_root = flags_.local_root;

  const std::string profile = flags_.profile.empty() ? reader_.credentials_profile : flags_.profile;
  CredentialsProfile credentials = LoadCredentialsProfile(flags_.credentials_path, profile);
  if (!credentials.path && !flags_.profile.empty())
    throw UsageError("--profile " + flags_.profile + " given but no credentials.toml was found");
  s3_ = credentials.found ? credentials.options : S3Options{};
  for (const auto& assignment : flags_.s3_options) ApplyS3Option(s3_, assignment);
  s3_ = S3OptionsWithEnvironment(s3_);
  resolver_ = std::make_shared<StoreResolver>(s3_);
  loaded_ = true;
}

void CliContext::AddS3Option(const std::string& assignment) {
  if (loaded_) throw std::logic_error("AddS3Option after the config was loaded");
  flags_.s3_options.push_back(assignment);
}

const ReaderConfig& CliContext::reader_config() {
  LoadConfig();
  return reader_;
}

const OutputConfig& CliContext::output() {
  LoadConfig();
  return output_;
}

std::string CliContext::error_format() const {
  if (!flags_.output_format.empty()) return flags_.output_format;
  return loaded_ ? output_.format : "jsonl";
}

void CliContext::ResolveRoot() {
  if (root_url_) return;
  LoadConfig();
  std::string url = flags_.current_url;
  if (url.empty()) url = GetEnv("SHARDY_CURRENT");
  if (url.empty()) url = reader_.current_url;
  std::string root, key;
  if (!url.empty()) {
    std::tie(root, key) = SplitCurrentUrl(url);
  } else if (!reader_.s3_prefix.empty()) {
    root = TrimTrailingSlash(reader_.s3_prefix);
    key = "_CURRENT";
  } else {
    throw UsageError(
        "no snapshot given: pass --current-url URL (s3://bucket/prefix/_CURRENT or a local "
        "directory), "
        "set SHARDY_CURRENT, or set current_url in reader.toml");
  }
  try {
    if (!HasScheme(root)) root = ParseStorageUrl(root).ToString();  // plain path -> file:///abs
    ValidateRootUrl(root, "snapshot root");
    ValidatePathSegment(key, "CURRENT pointer name");
  } catch (const ConfigValidationError& e) {
    throw UsageError(e.what());
  }
  root_url_ = root;
  pointer_key_ = key;
}

const std::string& CliContext::root_url() {
  ResolveRoot();
  return *root_url_;
}

const std::string& CliContext::pointer_key() {
  ResolveRoot();
  return pointer_key_;
}

std::shared_ptr<StoreResolver> CliContext::resolver() {
  LoadConfig();
  return resolver_;
}

ManifestStore& CliContext::manifest_store() {
  if (!store_) {
    ManifestStoreOptions options;
    options.current_pointer_key = pointer_key();
    store_ = MakeObjectManifestStore(*resolver(), root_url(), options);
  }
  return *store_;
}

std::string CliContext::NormalizeRef(const std::string& ref) {
  if (ref.empty()) throw UsageError("manifest ref is empty");
  if (HasScheme(ref)) return ref;
  if (ref.front() == '/') return ParseStorageUrl(ref).ToString();
  return JoinUrl(root_url(), {ref});  // relative to the root, e.g. manifests/<dir>/manifest
}

Pin CliContext::global_pin() {
  Pin pin;
  if (flags_.ref && flags_.offset) throw UsageError("--ref and --offset are mutually exclusive");
  if (flags_.ref) pin.ref = NormalizeRef(*flags_.ref);
  if (flags_.offset) {
    if (*flags_.offset < 0) throw UsageError("--offset must be >= 0");
    pin.offset = static_cast<size_t>(*flags_.offset);
  }
  return pin;
}

ReaderOptions CliContext::MakeReaderOptions(const Pin& pin) {
  const ReaderConfig& rc = reader_config();
  ReaderOptions o;
  o.s3_prefix = root_url();
  o.current_pointer_key = pointer_key();
  o.resolver = resolver();
  manifest_store();
  o.manifest_store = store_;
  o.local_root = rc.local_root.empty() ? DefaultLocalRoot(root_url()) : rc.local_root;
  o.backend = rc.backend;
  o.sqlite_mode = rc.sqlite_mode;
  o.sqlite_auto_per_shard_bytes = rc.sqlite_auto_per_shard_bytes;
  o.sqlite_auto_total_bytes = rc.sqlite_auto_total_bytes;
  o.max_workers = rc.max_workers;
  o.thread_safety = rc.thread_safety;
  o.pool_checkout_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(rc.pool_checkout_timeout_s * 1000));
  o.pinned_ref = pin.ref;
  o.pinned_offset = pin.offset;
  return o;
}

std::unique_ptr<ConcurrentShardedReader> CliContext::OpenReader(const Pin& pin) {
  return std::make_unique<ConcurrentShardedReader>(MakeReaderOptions(pin));
}

void CliContext::Emit(const Json& result, std::optional<std::string> format) {
  out() << FormatResult(result, format.value_or(output().format)) << '\n';
  out().flush();
}

void CliContext::EmitError(const std::string& op, const std::string& message,
                           const std::optional<std::string>& key) {
  std::cerr << FormatError(op, message, key, error_format()) << std::endl;
}

}  // namespace shardyfusion::cli
