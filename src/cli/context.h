// What every command needs, resolved once from flags, environment and config files:
// the snapshot root, S3 settings, output settings, and (lazily) the manifest store and a
// reader.  Resolution problems are UsageErrors (exit 2).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/config.h"
#include "cli/output.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion::cli {

// Global flags exactly as given (empty / nullopt = not given).
struct GlobalFlags {
  std::string current_url;
  std::string config_path;
  std::string credentials_path;
  std::string profile;
  std::vector<std::string> s3_options;
  std::string output_format;
  std::string value_encoding;
  std::optional<std::string> ref;
  std::optional<int64_t> offset;
  std::string backend;  // sqlite | slatedb: shard databases to read and build
  std::string sqlite_mode;
  std::optional<uint64_t> sqlite_auto_per_shard_bytes;
  std::optional<uint64_t> sqlite_auto_total_bytes;
  std::string local_root;
  bool verbose = false;
};

// A pin: serve this manifest instead of following `_CURRENT`.
struct Pin {
  std::optional<std::string> ref;
  std::optional<size_t> offset;
  bool active() const { return ref || offset; }
};

class CliContext {
 public:
  explicit CliContext(GlobalFlags flags);

  // Loads reader.toml / credentials.toml and applies the flags.  Idempotent.
  void LoadConfig();

  const GlobalFlags& flags() const { return flags_; }
  // Adds an --s3-option KEY=VALUE; only before the config is loaded.
  void AddS3Option(const std::string& assignment);
  const ReaderConfig& reader_config();
  const OutputConfig& output();
  // The format for error lines, usable even before (or when) config loading fails.
  std::string error_format() const;

  // Snapshot root and pointer name from --current-url / $SHARDY_CURRENT / reader.toml.
  const std::string& root_url();
  const std::string& pointer_key();

  std::shared_ptr<StoreResolver> resolver();
  ManifestStore& manifest_store();
  // The global --ref / --offset pin (validated).
  Pin global_pin();
  // A reader on the current snapshot, or on `pin` when active.
  std::unique_ptr<ConcurrentShardedReader> OpenReader(const Pin& pin);
  ReaderOptions MakeReaderOptions(const Pin& pin);
  // A full manifest URL for `ref`: relative refs are taken under the root, local paths
  // become file:// URLs.
  std::string NormalizeRef(const std::string& ref);

  // Results go here (stdout unless redirected, e.g. exec --output).
  std::ostream& out() { return *out_; }
  void set_out(std::ostream* out) { out_ = out; }
  void Emit(const Json& result, std::optional<std::string> format = std::nullopt);
  void EmitError(const std::string& op, const std::string& message,
                 const std::optional<std::string>& key = std::nullopt);

  // The key a failing command was working on, shown in its error line.
  std::optional<std::string> error_key;

 private:
  void ResolveRoot();

  GlobalFlags flags_;
  bool loaded_ = false;
  ReaderConfig reader_;
  OutputConfig output_;
  S3Options s3_;
  std::shared_ptr<StoreResolver> resolver_;
  std::optional<std::string> root_url_;
  std::string pointer_key_;
  std::shared_ptr<ManifestStore> store_;
  std::ostream* out_;
};

// Splits a CURRENT URL at its last '/' into (root, pointer key).  A local directory (plain
// path or file:// URL naming an existing directory) is the root itself, pointer `_CURRENT`.
std::pair<std::string, std::string> SplitCurrentUrl(const std::string& url);

}  // namespace shardyfusion::cli
