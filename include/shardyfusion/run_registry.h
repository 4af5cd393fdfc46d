// Run registry: one YAML record per writer run (format.md §1.7), so operators and cleanup
// can tell running, succeeded and failed runs apart.
//
// Registry failures never fail a build or hide the build's own error: they are logged.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <chrono>
#include <utility>
#include <vector>

#include "shardyfusion/time.h"

namespace shardyfusion {

class StoreResolver;
class ObjectStore;

enum class RunStatus { kRunning, kSucceeded, kFailed };

struct RunRecord {
  int format_version = 1;
  std::string run_id;
  std::string writer_type = "cpp";
  RunStatus status = RunStatus::kRunning;
  Timestamp started_at{};
  Timestamp updated_at{};
  Timestamp lease_expires_at{};
  std::string s3_prefix;
  std::string shard_prefix = "shards";
  std::string db_path_template = "db={db_id:05d}";
  std::optional<std::string> manifest_ref;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
};

// YAML like PyYAML safe_dump(sort_keys=True, default_flow_style=False).
std::string EncodeRunRecord(const RunRecord& record);
// Throws ManifestParseError naming the problem.
RunRecord ParseRunRecord(std::string_view yaml);

class RunRegistry {
 public:
  virtual ~RunRegistry() = default;
  // Stores a new record; returns its ref (URL of run.yaml).
  virtual std::string Create(const RunRecord& record) = 0;
  virtual void Update(const std::string& ref, const RunRecord& record) = 0;
  virtual std::optional<RunRecord> Load(const std::string& ref) = 0;
  // Every record under the registry prefix (for cleanup: live leases).
  virtual std::vector<std::pair<std::string, RunRecord>> ListRecords() = 0;
};

// Records under <root_url>/<registry_prefix>/<TS>_run_id=<id>_<uuid>/run.yaml.
std::shared_ptr<RunRegistry> MakeObjectRunRegistry(StoreResolver& resolver,
                                                  const std::string& root_url,
                                                  const std::string& registry_prefix = "runs");

// Keeps a record RUNNING with a renewed lease while alive (a heartbeat thread), then marks
// it SUCCEEDED or FAILED.  Every registry error is logged and swallowed.
class RunLifecycle {
 public:
  struct Options {
    std::chrono::milliseconds heartbeat_interval{60'000};
    std::chrono::milliseconds lease{600'000};
  };
  RunLifecycle(std::shared_ptr<RunRegistry> registry, RunRecord initial, Options options);
  ~RunLifecycle();  // stops the heartbeat; a still-RUNNING record is left to expire
  RunLifecycle(const RunLifecycle&) = delete;
  RunLifecycle& operator=(const RunLifecycle&) = delete;

  void MarkSucceeded(const std::string& manifest_ref);
  void MarkFailed(const std::string& error_type, const std::string& error_message);
  // Empty when the registry is disabled or the initial create failed.
  const std::optional<std::string>& ref() const { return ref_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::optional<std::string> ref_;
};

std::string_view RunStatusName(RunStatus status);  // "running", "succeeded", "failed"

}  // namespace shardyfusion
