// RunLifecycle: RUNNING record + heartbeat thread, then one terminal write.  Every
// registry failure is logged and swallowed so it can neither fail a build nor hide the
// build's own error (the reference's RunRecordLifecycle).
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/run_registry.h"

namespace shardyfusion {
namespace {

LogFields ErrorFields(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ShardyfusionError& e) {
    return {{"error_type", e.name()}, {"error", e.what()}};
  } catch (const std::exception& e) {
    return {{"error_type", "std::exception"}, {"error", e.what()}};
  } catch (...) {
    return {{"error_type", "unknown"}, {"error", "non-standard exception"}};
  }
}

}  // namespace

struct RunLifecycle::Impl {
  std::shared_ptr<RunRegistry> registry;
  Options options;
  std::string ref;  // empty: disabled
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  bool terminal = false;
  RunRecord record;
  std::thread heartbeat;

  void SafeUpdate(const char* event, const RunRecord& snapshot) {
    try {
      registry->Update(ref, snapshot);
    } catch (...) {
      LogFields fields = ErrorFields(std::current_exception());
      fields["run_id"] = snapshot.run_id;
      fields["run_record_ref"] = ref;
      LogEvent(LogLevel::kError, event, fields);
    }
  }

  void HeartbeatLoop() {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, options.heartbeat_interval, [this] { return stop; })) {
      if (terminal) return;
      Timestamp now = Now();
      record.updated_at = now;
      record.lease_expires_at = now + options.lease;
      RunRecord snapshot = record;
      lock.unlock();  // no lock across store I/O
      SafeUpdate("run_record_heartbeat_failed", snapshot);
      lock.lock();
    }
  }

  void StopHeartbeat() {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    cv.notify_all();
    // Joining also orders an in-flight heartbeat write before any terminal write.
    if (heartbeat.joinable()) heartbeat.join();
  }

  void MarkTerminal(RunStatus status, std::optional<std::string> manifest_ref,
                    std::optional<std::string> error_type,
                    std::optional<std::string> error_message) {
    RunRecord snapshot;
    {
      std::lock_guard lock(mu);
      if (terminal) return;  // the first terminal state wins
      terminal = true;
      Timestamp now = Now();
      record.status = status;
      record.updated_at = now;
      record.lease_expires_at = now;
      if (manifest_ref) record.manifest_ref = std::move(manifest_ref);
      record.error_type = std::move(error_type);
      record.error_message = std::move(error_message);
      snapshot = record;
    }
    StopHeartbeat();
    if (!ref.empty()) SafeUpdate("run_record_terminal_update_failed", snapshot);
  }
};

RunLifecycle::RunLifecycle(std::shared_ptr<RunRegistry> registry, RunRecord initial,
                           Options options)
    : impl_(std::make_unique<Impl>()) {
  Timestamp now = Now();
  initial.status = RunStatus::kRunning;
  initial.started_at = now;
  initial.updated_at = now;
  initial.lease_expires_at = now + options.lease;
  impl_->registry = std::move(registry);
  impl_->options = options;
  impl_->record = std::move(initial);
  if (!impl_->registry) return;
  try {
    impl_->ref = impl_->registry->Create(impl_->record);
  } catch (...) {
    LogFields fields = ErrorFields(std::current_exception());
    fields["run_id"] = impl_->record.run_id;
    fields["writer_type"] = impl_->record.writer_type;
    LogEvent(LogLevel::kError, "run_record_create_failed", fields);
    return;  // disabled for this run
  }
  ref_ = impl_->ref;
  if (options.heartbeat_interval.count() > 0) {
    try {
      impl_->heartbeat = std::thread([impl = impl_.get()] { impl->HeartbeatLoop(); });
    } catch (const std::system_error& e) {
      LogEvent(LogLevel::kError, "run_record_heartbeat_failed",
               {{"run_id", impl_->record.run_id}, {"error", e.what()}});
    }
  }
}

RunLifecycle::~RunLifecycle() { impl_->StopHeartbeat(); }

void RunLifecycle::MarkSucceeded(const std::string& manifest_ref) {
  std::optional<std::string> ref;
  if (!manifest_ref.empty()) ref = manifest_ref;
  impl_->MarkTerminal(RunStatus::kSucceeded, std::move(ref), std::nullopt, std::nullopt);
}

void RunLifecycle::MarkFailed(const std::string& error_type, const std::string& error_message) {
  impl_->MarkTerminal(RunStatus::kFailed, std::nullopt, error_type, error_message);
}

}  // namespace shardyfusion
