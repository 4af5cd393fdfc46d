#include "shardyfusion/run_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {
namespace {

using namespace std::chrono_literals;

// format.md §1.7, the reference's exact output.
constexpr std::string_view kExampleYaml =
    "db_path_template: db={db_id:05d}\n"
    "error_message: null\n"
    "error_type: null\n"
    "format_version: 1\n"
    "lease_expires_at: '2026-04-20T15:33:01.123456Z'\n"
    "manifest_ref: null\n"
    "run_id: abc123\n"
    "s3_prefix: s3://bucket/prefix\n"
    "shard_prefix: shards\n"
    "started_at: '2026-04-20T15:23:01.123456Z'\n"
    "status: running\n"
    "updated_at: '2026-04-20T15:23:01.123456Z'\n"
    "writer_type: python\n";

RunRecord ExampleRecord() {
  RunRecord r;
  r.run_id = "abc123";
  r.writer_type = "python";
  r.status = RunStatus::kRunning;
  r.started_at = ParseIsoTime("2026-04-20T15:23:01.123456Z");
  r.updated_at = r.started_at;
  r.lease_expires_at = ParseIsoTime("2026-04-20T15:33:01.123456Z");
  r.s3_prefix = "s3://bucket/prefix";
  return r;
}

void ExpectSameRecord(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.writer_type, b.writer_type);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  EXPECT_EQ(a.lease_expires_at, b.lease_expires_at);
  EXPECT_EQ(a.s3_prefix, b.s3_prefix);
  EXPECT_EQ(a.shard_prefix, b.shard_prefix);
  EXPECT_EQ(a.db_path_template, b.db_path_template);
  EXPECT_EQ(a.manifest_ref, b.manifest_ref);
  EXPECT_EQ(a.error_type, b.error_type);
  EXPECT_EQ(a.error_message, b.error_message);
}

// ---- YAML ------------------------------------------------------------------------------

TEST(RunRecordYaml, EncodesTheSpecExampleByteForByte) {
  EXPECT_EQ(EncodeRunRecord(ExampleRecord()), kExampleYaml);
  RunRecord parsed = ParseRunRecord(kExampleYaml);
  ExpectSameRecord(parsed, ExampleRecord());
  EXPECT_EQ(EncodeRunRecord(parsed), kExampleYaml);
}

TEST(RunRecordYaml, ZeroMicrosecondsDropTheFraction) {
  RunRecord r = ExampleRecord();
  r.started_at = ParseIsoTime("2026-01-01T00:00:00Z");
  EXPECT_NE(EncodeRunRecord(r).find("started_at: '2026-01-01T00:00:00Z'\n"), std::string::npos);
}

// Expected error_message renderings produced by PyYAML 6 safe_dump (folding at 80
// columns, quoting and escapes).
TEST(RunRecordYaml, StringsAreQuotedAndFoldedLikePyYaml) {
  struct Case {
    std::string message;
    std::string yaml_line;
  } cases[] = {
      {"S3TransientError: PUT s3://bucket/prefix/shards/run_id=abc/db=00001/attempt=00/"
       "shard.db failed after 5 attempts: connection reset by peer",
       "error_message: 'S3TransientError: PUT "
       "s3://bucket/prefix/shards/run_id=abc/db=00001/attempt=00/shard.db\n"
       "  failed after 5 attempts: connection reset by peer'\n"},
      {"first line\nsecond: line with 'quotes'\n\nafter blank",
       "error_message: 'first line\n\n  second: line with ''quotes''\n\n\n  after blank'\n"},
      {"caf\u00e9 \u65e5\u672c\t\"tab\" and a very long tail that goes past the eighty column "
       "limit for sure ok",
       "error_message: \"caf\\xE9 \\u65E5\\u672C\\t\\\"tab\\\" and a very long tail that goes "
       "past\\\n  \\ the eighty column limit for sure ok\"\n"},
      {"key: value # not a comment", "error_message: 'key: value # not a comment'\n"},
      {"null", "error_message: 'null'\n"},
      {"", "error_message: ''\n"},
      {"plain words", "error_message: plain words\n"},
      {"123", "error_message: '123'\n"},
      {"yes", "error_message: 'yes'\n"},
      {"- dash", "error_message: '- dash'\n"},
  };
  for (const auto& c : cases) {
    RunRecord r = ExampleRecord();
    r.status = RunStatus::kFailed;
    r.error_type = "ShardWriteError";
    r.error_message = c.message;
    std::string yaml = EncodeRunRecord(r);
    EXPECT_NE(yaml.find("\n" + c.yaml_line + "error_type: ShardWriteError\n"), std::string::npos)
        << yaml;
    EXPECT_EQ(ParseRunRecord(yaml).error_message, c.message) << yaml;
  }
}

TEST(RunRecordYaml, RoundTripsErrorFieldsAndManifestRef) {
  RunRecord r = ExampleRecord();
  r.writer_type = "cpp";
  r.status = RunStatus::kSucceeded;
  r.shard_prefix = "my-shards";
  r.db_path_template = "part/{db_id}";
  r.manifest_ref =
      "s3://bucket/prefix/manifests/2026-04-20T15:23:01.123456Z_run_id=abc123/manifest";
  r.error_type = "S3TransientError";
  r.error_message = " leading space, trailing 'quote' and a \\backslash\n";
  RunRecord back = ParseRunRecord(EncodeRunRecord(r));
  ExpectSameRecord(back, r);
  EXPECT_EQ(EncodeRunRecord(back), EncodeRunRecord(r));
}

TEST(RunRecordYaml, ParseAcceptsWhatPydanticAccepts) {
  // Missing optional fields and format_version, unknown keys, other ISO forms.
  RunRecord r = ParseRunRecord(
      "run_id: x\nwriter_type: spark\nstatus: failed\n"
      "started_at: 2026-04-20T15:23:01+00:00\nupdated_at: '2026-04-20 15:23:02'\n"
      "lease_expires_at: '2026-04-20T15:23:03.5Z'\ns3_prefix: s3://b/p\nshard_prefix: shards\n"
      "db_path_template: db={db_id}\nsome_future_field: 1\nerror_type: ~\n");
  EXPECT_EQ(r.format_version, 1);
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_EQ(FormatIsoTime(r.started_at), "2026-04-20T15:23:01Z");
  EXPECT_EQ(FormatIsoTime(r.updated_at), "2026-04-20T15:23:02Z");
  EXPECT_EQ(FormatIsoTime(r.lease_expires_at), "2026-04-20T15:23:03.500000Z");
  EXPECT_FALSE(r.manifest_ref || r.error_type || r.error_message);
}

TEST(RunRecordYaml, ParseErrorsAreManifestParseErrors) {
  std::string good(kExampleYaml);
  auto without = [&](const std::string& line) {
    std::string s = good;
    s.erase(s.find(line), line.size());
    return s;
  };
  EXPECT_THROW(ParseRunRecord("- a\n- b\n"), ManifestParseError);
  EXPECT_THROW(ParseRunRecord("run_id: [unclosed\n"), ManifestParseError);
  EXPECT_THROW(ParseRunRecord(""), ManifestParseError);
  EXPECT_THROW(ParseRunRecord(without("run_id: abc123\n")), ManifestParseError);
  EXPECT_THROW(ParseRunRecord(without("status: running\n") + "status: paused\n"),
               ManifestParseError);
  EXPECT_THROW(ParseRunRecord(without("started_at: '2026-04-20T15:23:01.123456Z'\n") +
                              "started_at: yesterday\n"),
               ManifestParseError);
  EXPECT_THROW(ParseRunRecord(without("format_version: 1\n") + "format_version: one\n"),
               ManifestParseError);
  EXPECT_THROW(ParseRunRecord(without("run_id: abc123\n") + "run_id: [a]\n"), ManifestParseError);
}

TEST(RunRecordYaml, StatusNames) {
  EXPECT_EQ(RunStatusName(RunStatus::kRunning), "running");
  EXPECT_EQ(RunStatusName(RunStatus::kSucceeded), "succeeded");
  EXPECT_EQ(RunStatusName(RunStatus::kFailed), "failed");
}

// ---- Object registry ---------------------------------------------------------------

// Forwards to a memory store, remembering the content type of every put.
class RecordingStore : public ObjectStore {
 public:
  explicit RecordingStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::string UrlFor(std::string_view key) const override { return inner_->UrlFor(key); }
  PutResult Put(const std::string& key, std::string_view body, const PutOptions& o) override {
    {
      std::lock_guard lock(mu_);
      content_types_.push_back(o.content_type);
    }
    return inner_->Put(key, body, o);
  }
  std::optional<std::string> Get(const std::string& key) override { return inner_->Get(key); }
  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override {
    return inner_->GetRanges(key, ranges);
  }
  std::optional<ObjectInfo> Head(const std::string& key) override { return inner_->Head(key); }
  ListPage List(const std::string& prefix, const std::string& delimiter, const std::string& token,
                size_t max_keys) override {
    return inner_->List(prefix, delimiter, token, max_keys);
  }
  void Delete(const std::string& key) override { inner_->Delete(key); }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  std::shared_ptr<ObjectStore> inner_;
  mutable std::mutex mu_;
  std::vector<std::string> content_types_;
};

// Every call fails, like an unreachable S3 endpoint.
class FailingStore : public ObjectStore {
 public:
  std::string UrlFor(std::string_view) const override { throw S3TransientError("down"); }
  PutResult Put(const std::string&, std::string_view, const PutOptions&) override {
    throw S3TransientError("down");
  }
  std::optional<std::string> Get(const std::string&) override { throw S3TransientError("down"); }
  std::vector<std::string> GetRanges(const std::string&, const std::vector<ByteRange>&) override {
    throw S3TransientError("down");
  }
  std::optional<ObjectInfo> Head(const std::string&) override { throw S3TransientError("down"); }
  ListPage List(const std::string&, const std::string&, const std::string&, size_t) override {
    throw S3TransientError("down");
  }
  void Delete(const std::string&) override { throw std::runtime_error("not even an S3 error"); }
};

class RunRegistryTest : public ::testing::Test {
 protected:
  RunRegistryTest()
      : mem_(MakeMemoryObjectStore("bucket")), store_(std::make_shared<RecordingStore>(mem_)) {
    resolver_.Register("mem", "bucket", store_);
    registry_ = MakeObjectRunRegistry(resolver_, "mem://bucket/prefix");
  }
  std::shared_ptr<ObjectStore> mem_;
  std::shared_ptr<RecordingStore> store_;
  StoreResolver resolver_;
  std::shared_ptr<RunRegistry> registry_;
};

TEST_F(RunRegistryTest, CreateWritesYamlUnderTheSpecKeyLayout) {
  RunRecord record = ExampleRecord();
  std::string ref = registry_->Create(record);
  std::regex layout(
      R"(mem://bucket/prefix/runs/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z_run_id=abc123_[0-9a-f]{32}/run\.yaml)");
  EXPECT_TRUE(std::regex_match(ref, layout)) << ref;
  auto objects = ListAllObjects(*mem_, "prefix/runs/");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ("mem://bucket/" + objects[0].key, ref);
  EXPECT_EQ(*mem_->Get(objects[0].key), kExampleYaml);
  EXPECT_EQ(store_->content_types(), std::vector<std::string>{"application/x-yaml"});

  // Same run id again: a new random suffix, never a collision.
  std::string second = registry_->Create(record);
  EXPECT_NE(second, ref);
  EXPECT_EQ(ListAllObjects(*mem_, "prefix/runs/").size(), 2u);
}

TEST_F(RunRegistryTest, UpdateLoadAndList) {
  RunRecord record = ExampleRecord();
  std::string ref = registry_->Create(record);
  record.status = RunStatus::kSucceeded;
  record.manifest_ref = "mem://bucket/prefix/manifests/x/manifest";
  registry_->Update(ref, record);
  auto loaded = registry_->Load(ref);
  ASSERT_TRUE(loaded);
  ExpectSameRecord(*loaded, record);

  EXPECT_FALSE(registry_->Load("mem://bucket/prefix/runs/nope/run.yaml"));
  EXPECT_THROW(registry_->Update("mem://bucket/elsewhere/run.yaml", record), ConfigValidationError);
  EXPECT_THROW(registry_->Load("mem://other/prefix/runs/x/run.yaml"), ConfigValidationError);

  RunRecord other = ExampleRecord();
  other.run_id = "def456";
  std::string other_ref = registry_->Create(other);
  mem_->Put("prefix/runs/garbage/run.yaml", "run_id: [unclosed");
  mem_->Put("prefix/runs/notes.txt", "not a record");
  ::testing::internal::CaptureStderr();
  auto records = registry_->ListRecords();
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("run_record_parse_failed"), std::string::npos) << log;  // skipped, logged
  ASSERT_EQ(records.size(), 2u);
  std::map<std::string, RunRecord> by_ref(records.begin(), records.end());
  EXPECT_EQ(by_ref.at(ref).status, RunStatus::kSucceeded);
  EXPECT_EQ(by_ref.at(other_ref).run_id, "def456");
}

TEST_F(RunRegistryTest, PrefixIsValidatedAndJoinedLikeJoinS3) {
  EXPECT_THROW(MakeObjectRunRegistry(resolver_, "mem://bucket/prefix", "a/b"),
               ConfigValidationError);
  EXPECT_THROW(MakeObjectRunRegistry(resolver_, "mem://bucket/prefix", ".."),
               ConfigValidationError);
  auto registry = MakeObjectRunRegistry(resolver_, "mem://bucket/prefix/", "my_runs");
  std::string ref = registry->Create(ExampleRecord());
  EXPECT_EQ(ref.rfind("mem://bucket/prefix/my_runs/", 0), 0u) << ref;
}

// ---- Lifecycle ---------------------------------------------------------------------

RunRecord NewRun(std::string run_id = "run1") {
  RunRecord r;
  r.run_id = std::move(run_id);
  r.s3_prefix = "mem://bucket/prefix";
  return r;
}

// Polls `pred` for up to 10 s (generous: loaded CI machines).
template <typename Pred>
bool Eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

void ExpectOrderedTimes(const RunRecord& r) {
  EXPECT_LE(r.started_at, r.updated_at);
  EXPECT_LE(r.updated_at, r.lease_expires_at);
}

TEST_F(RunRegistryTest, LifecycleCreatesRunningRecordWithLease) {
  RunLifecycle::Options options;
  options.heartbeat_interval = 1h;  // no beat during this test
  options.lease = 10min;
  RunLifecycle lifecycle(registry_, NewRun(), options);
  ASSERT_TRUE(lifecycle.ref());
  auto record = registry_->Load(*lifecycle.ref());
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, RunStatus::kRunning);
  EXPECT_EQ(record->run_id, "run1");
  EXPECT_EQ(record->writer_type, "cpp");
  EXPECT_EQ(record->started_at, record->updated_at);
  EXPECT_EQ(record->lease_expires_at - record->updated_at, std::chrono::minutes(10));
  ExpectOrderedTimes(*record);
}

TEST_F(RunRegistryTest, HeartbeatExtendsTheLease) {
  RunLifecycle::Options options;
  options.heartbeat_interval = 20ms;
  options.lease = 5s;
  RunLifecycle lifecycle(registry_, NewRun(), options);
  ASSERT_TRUE(lifecycle.ref());
  RunRecord first = *registry_->Load(*lifecycle.ref());
  ASSERT_TRUE(Eventually([&] {
    return registry_->Load(*lifecycle.ref())->lease_expires_at > first.lease_expires_at;
  }));
  RunRecord beat = *registry_->Load(*lifecycle.ref());
  EXPECT_EQ(beat.status, RunStatus::kRunning);
  EXPECT_EQ(beat.started_at, first.started_at);
  EXPECT_GT(beat.updated_at, first.updated_at);
  EXPECT_EQ(beat.lease_expires_at - beat.updated_at, std::chrono::seconds(5));
  ExpectOrderedTimes(beat);
}

TEST_F(RunRegistryTest, MarkSucceededStopsTheHeartbeatAndWritesTerminalRecord) {
  RunLifecycle::Options options;
  options.heartbeat_interval = 20ms;
  RunLifecycle lifecycle(registry_, NewRun(), options);
  ASSERT_TRUE(lifecycle.ref());
  lifecycle.MarkSucceeded("mem://bucket/prefix/manifests/m/manifest");
  std::string key = lifecycle.ref()->substr(std::string("mem://bucket/").size());
  std::string terminal = *mem_->Get(key);
  RunRecord r = ParseRunRecord(terminal);
  EXPECT_EQ(r.status, RunStatus::kSucceeded);
  EXPECT_EQ(r.manifest_ref, "mem://bucket/prefix/manifests/m/manifest");
  EXPECT_EQ(r.lease_expires_at, r.updated_at);  // terminal: the lease ends now
  EXPECT_FALSE(r.error_type || r.error_message);
  ExpectOrderedTimes(r);

  lifecycle.MarkFailed("Late", "ignored: the first terminal state wins");
  std::this_thread::sleep_for(100ms);  // a live heartbeat would have rewritten it by now
  EXPECT_EQ(*mem_->Get(key), terminal);
}

TEST_F(RunRegistryTest, MarkFailedRecordsTheError) {
  RunLifecycle::Options options;
  options.heartbeat_interval = 20ms;
  RunLifecycle lifecycle(registry_, NewRun(), options);
  ASSERT_TRUE(lifecycle.ref());
  lifecycle.MarkFailed("ShardWriteError", "shard 3: disk full\nsecond line");
  RunRecord r = *registry_->Load(*lifecycle.ref());
  EXPECT_EQ(r.status, RunStatus::kFailed);
  EXPECT_EQ(r.error_type, "ShardWriteError");
  EXPECT_EQ(r.error_message, "shard 3: disk full\nsecond line");
  EXPECT_FALSE(r.manifest_ref);
  EXPECT_EQ(r.lease_expires_at, r.updated_at);
  ExpectOrderedTimes(r);
}

TEST_F(RunRegistryTest, DestructorStopsALongHeartbeatPromptlyAndLeavesRunning) {
  std::optional<std::string> ref;
  auto start = std::chrono::steady_clock::now();
  {
    RunLifecycle::Options options;
    options.heartbeat_interval = 1h;
    RunLifecycle lifecycle(registry_, NewRun(), options);
    ref = lifecycle.ref();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not an hour
  ASSERT_TRUE(ref);
  EXPECT_EQ(registry_->Load(*ref)->status, RunStatus::kRunning);  // left to expire
}

TEST(RunLifecycleFailures, FailingStoreNeverThrowsOutOfTheLifecycle) {
  StoreResolver resolver;
  resolver.Register("mem", "down", std::make_shared<FailingStore>());
  auto registry = MakeObjectRunRegistry(resolver, "mem://down/prefix");
  RunLifecycle::Options options;
  options.heartbeat_interval = 5ms;
  ::testing::internal::CaptureStderr();
  {
    RunLifecycle lifecycle(registry, NewRun(), options);
    EXPECT_FALSE(lifecycle.ref());  // disabled after the failed create
    lifecycle.MarkSucceeded("mem://down/prefix/manifests/m/manifest");
    lifecycle.MarkFailed("X", "y");
  }
  {
    RunLifecycle lifecycle(nullptr, NewRun(), options);  // no registry at all
    EXPECT_FALSE(lifecycle.ref());
    lifecycle.MarkFailed("X", "y");
  }
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("run_record_create_failed"), std::string::npos) << log;
  EXPECT_NE(log.find("S3TransientError"), std::string::npos) << log;
}

// Create works, then every write fails (the store went away mid-run).
class FlakyRegistry : public RunRegistry {
 public:
  std::string Create(const RunRecord&) override { return "mem://flaky/run.yaml"; }
  void Update(const std::string&, const RunRecord&) override {
    ++updates;
    throw std::runtime_error("update failed");
  }
  std::optional<RunRecord> Load(const std::string&) override { throw std::logic_error("no"); }
  std::vector<std::pair<std::string, RunRecord>> ListRecords() override { return {}; }
  std::atomic<int> updates{0};
};

TEST(RunLifecycleFailures, HeartbeatAndTerminalWriteFailuresAreSwallowed) {
  auto registry = std::make_shared<FlakyRegistry>();
  RunLifecycle::Options options;
  options.heartbeat_interval = 5ms;
  ::testing::internal::CaptureStderr();
  {
    RunLifecycle lifecycle(registry, NewRun(), options);
    ASSERT_TRUE(lifecycle.ref());
    ASSERT_TRUE(Eventually([&] { return registry->updates.load() >= 2; }));
    lifecycle.MarkFailed("ShardWriteError", "boom");
  }
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("run_record_heartbeat_failed"), std::string::npos);
  EXPECT_NE(log.find("run_record_terminal_update_failed"), std::string::npos);
}

}  // namespace
}  // namespace shardyfusion
