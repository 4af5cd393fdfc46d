// Parsing reader.toml and credentials.toml (the only file that includes toml++, which is
// slow to compile).
#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli_error.h"
#include "cli/config.h"
#include "cli/config_search.h"
#include "core/toml_text_check.h"
#include "core/tomlplusplus.h"
#include "shardyfusion/errors.h"

namespace shardyfusion::cli {
namespace {

// Typed access to one [section] of one file, with errors that name both.
class Section {
 public:
  Section(const toml::table& root, std::string section, std::string file)
      : table_(root[section].as_table()), section_(std::move(section)), file_(std::move(file)) {
    if (root.contains(section_) && !table_) Fail(section_, "must be a table");
  }

  bool present() const { return table_ != nullptr; }

  // Empty strings count as unset.
  std::optional<std::string> String(const char* key) const {
    auto node = Node(key);
    if (!node) return std::nullopt;
    if (!node.is_string()) Fail(key, "must be a string");
    std::string value = *node.value<std::string>();
    if (value.empty()) return std::nullopt;
    return value;
  }

  std::optional<int64_t> Integer(const char* key, int64_t min) const {
    auto node = Node(key);
    if (!node) return std::nullopt;
    if (!node.is_integer()) Fail(key, "must be an integer");
    int64_t value = *node.value<int64_t>();
    if (value < min) Fail(key, "must be >= " + std::to_string(min));
    return value;
  }

  // A number of seconds, or a string like "30s" / "500ms" / "2m".
  std::optional<double> Seconds(const char* key) const {
    auto node = Node(key);
    if (!node) return std::nullopt;
    double value = -1;
    if (node.is_integer() || node.is_floating_point()) {
      value = *node.value<double>();
    } else if (node.is_string()) {
      std::string text = *node.value<std::string>();
      if (text.empty()) return std::nullopt;
      size_t used = 0;
      try {
        value = std::stod(text, &used);
      } catch (const std::exception&) {
        Fail(key, "must be a duration like 30, \"30s\" or \"500ms\"");
      }
      std::string unit = text.substr(used);
      if (unit == "ms")
        value /= 1000;
      else if (unit == "m")
        value *= 60;
      else if (!unit.empty() && unit != "s")
        Fail(key, "has an unknown unit '" + unit + "'");
    } else {
      Fail(key, "must be a number of seconds");
    }
    if (!(value > 0) || !std::isfinite(value)) Fail(key, "must be > 0");
    return value;
  }

  // true/false, or (verify_ssl only) a CA bundle path, which counts as true.
  std::optional<bool> BoolOrPath(const char* key) const {
    auto node = Node(key);
    if (!node) return std::nullopt;
    if (node.is_boolean()) return *node.value<bool>();
    if (node.is_string()) return true;
    Fail(key, "must be true, false or a CA bundle path");
  }

  [[noreturn]] void Fail(const std::string& key, const std::string& why) const {
    throw UsageError(file_ + ": [" + section_ + "]" + (key == section_ ? "" : " " + key) + " " +
                     why);
  }

 private:
  toml::node_view<const toml::node> Node(const char* key) const {
    if (!table_) return {};
    return toml::node_view<const toml::node>(table_->get(key));
  }

  const toml::table* table_;
  std::string section_;
  std::string file_;
};

toml::table ParseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) throw UsageError(path + ": cannot open the file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw UsageError(path + ": cannot read the file");
  try {
    CheckTomlText(text, path);  // toml++ 3.3.0 has undefined behaviour on some non-ASCII input
  } catch (const ConfigValidationError& e) {
    throw UsageError(e.what());
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UsageError(path + ":" + std::to_string(e.source().begin.line) +
                     ": invalid TOML: " + std::string(e.description()));
  }
}

S3Addressing ParseAddressing(const Section& s, const std::string& value) {
  if (value == "path") return S3Addressing::kPath;
  if (value == "virtual") return S3Addressing::kVirtual;
  if (value == "auto") return S3Addressing::kAuto;
  s.Fail("addressing_style", "must be path, virtual or auto (got '" + value + "')");
}

}  // namespace

ReaderToml LoadReaderToml(const std::string& explicit_path) {
  ReaderToml out;
  out.path = FindConfigFile(explicit_path, "SHARDY_CONFIG", "reader.toml");
  if (!out.path) return out;
  toml::table root = ParseFile(*out.path);

  Section reader(root, "reader", *out.path);
  ReaderConfig& r = out.reader;
  if (auto v = reader.String("current_url")) r.current_url = *v;
  if (auto v = reader.String("s3_prefix")) r.s3_prefix = *v;
  if (auto v = reader.String("local_root")) r.local_root = *v;
  if (auto v = reader.String("thread_safety")) {
    if (*v == "lock")
      r.thread_safety = ThreadSafety::kLock;
    else if (*v == "pool")
      r.thread_safety = ThreadSafety::kPool;
    else
      reader.Fail("thread_safety", "must be lock or pool (got '" + *v + "')");
  }
  if (auto v = reader.Seconds("pool_checkout_timeout")) r.pool_checkout_timeout_s = *v;
  if (auto v = reader.Integer("max_workers", 1)) r.max_workers = static_cast<int>(*v);
  if (auto v = reader.String("credentials_profile")) r.credentials_profile = *v;
  if (auto v = reader.String("reader_backend")) {
    if (*v == "sqlite")
      r.backend = ShardBackend::kSqlite;
    else if (*v == "slatedb" && SlateDbAvailable())
      r.backend = ShardBackend::kSlateDb;
    else if (*v == "slatedb")
      reader.Fail("reader_backend", "'slatedb' is not available in this build (configured without cargo)");
    else
      reader.Fail("reader_backend", "must be sqlite or slatedb (got '" + *v + "')");
  }
  if (auto v = reader.String("sqlite_mode")) {
    try {
      r.sqlite_mode = ParseSqliteMode(*v);
    } catch (const UsageError&) {
      reader.Fail("sqlite_mode", "must be download, range or auto (got '" + *v + "')");
    }
  }
  if (auto v = reader.Integer("sqlite_auto_per_shard_threshold_bytes", 0))
    r.sqlite_auto_per_shard_bytes = static_cast<uint64_t>(*v);
  if (auto v = reader.Integer("sqlite_auto_total_budget_bytes", 0))
    r.sqlite_auto_total_bytes = static_cast<uint64_t>(*v);

  Section store(root, "manifest_store", *out.path);
  if (auto v = store.String("backend"); v && *v != "s3")
    store.Fail(
        "backend",
        "'" + *v +
            "' is not available in this build (only s3, which also serves local directories)");

  Section output(root, "output", *out.path);
  OutputConfig& o = out.output;
  if (auto v = output.String("format")) {
    o.format = *v;
    try {
      CheckOutputFormat(o.format);
    } catch (const UsageError& e) {
      output.Fail("format", e.what());
    }
  }
  if (auto v = output.String("value_encoding")) {
    o.value_encoding = *v;
    try {
      CheckValueEncoding(o.value_encoding);
    } catch (const UsageError& e) {
      output.Fail("value_encoding", e.what());
    }
  }
  if (auto node = root["output"]["null_repr"]; node) {
    if (!node.is_string()) output.Fail("null_repr", "must be a string");
    o.null_repr = *node.value<std::string>();
  }
  return out;
}

CredentialsProfile LoadCredentialsProfile(const std::string& explicit_path,
                                          const std::string& profile) {
  CredentialsProfile out;
  out.path = FindConfigFile(explicit_path, "SHARDY_CREDENTIALS", "credentials.toml");
  if (!out.path) return out;
  struct stat st {};
  if (::stat(out.path->c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    std::cerr << "warning: credentials file " << *out.path << " has permissions " << mode
              << "; restrict it with chmod 600\n";
  }
  toml::table root = ParseFile(*out.path);
  if (!root.contains(profile))
    throw UsageError("credentials profile '" + profile + "' not found in " + *out.path);
  Section p(root, profile, *out.path);
  if (!p.present()) p.Fail(profile, "must be a table");
  out.found = true;
  S3Options& s = out.options;
  // The reference's profile defaults (they differ from the library's: 3 attempts).
  s.connect_timeout_s = 10;
  s.read_timeout_s = 30;
  s.max_attempts = 3;
  if (auto v = p.String("endpoint_url")) s.endpoint_url = *v;
  if (auto v = p.String("region")) s.region = *v;
  auto key_id = p.String("access_key_id");
  auto secret = p.String("secret_access_key");
  if (key_id.has_value() != secret.has_value())
    p.Fail(key_id ? "secret_access_key" : "access_key_id", "is required when the other key is set");
  if (key_id)
    s.credentials = S3Credentials{*key_id, *secret, p.String("session_token").value_or("")};
  if (auto v = p.String("addressing_style")) s.addressing = ParseAddressing(p, *v);
  if (auto v = p.String("signature_version"); v && *v != "s3v4")
    p.Fail("signature_version", "'" + *v + "' is not supported (only s3v4)");
  if (auto v = p.BoolOrPath("verify_ssl")) s.verify_ssl = *v;
  if (auto v = p.Seconds("connect_timeout")) s.connect_timeout_s = *v;
  if (auto v = p.Seconds("read_timeout")) s.read_timeout_s = *v;
  if (auto v = p.Integer("max_attempts", 1)) s.max_attempts = static_cast<int>(*v);
  return out;
}

}  // namespace shardyfusion::cli
