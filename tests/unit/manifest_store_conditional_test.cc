// ManifestStore's conditional writes against a store whose answers get lost: a create-only
// manifest PUT or a compare-and-swap `_CURRENT` PUT that was applied but reported as a lost
// condition (what an S3 retry after a dropped response sees) is recognised as our own
// write; a real conflict is a clear error naming the refs involved.
#include <gtest/gtest.h>

#include <functional>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {
namespace {

// Wraps a memory store; `on_put` may run before a PUT is forwarded (`before`) or instead of
// reporting its success (`after`): it sees the key and may throw.
class HookedStore : public ObjectStore {
 public:
  explicit HookedStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::function<void(const std::string& key)> before, after;

  std::string UrlFor(std::string_view key) const override { return inner_->UrlFor(key); }
  PutResult Put(const std::string& key, std::string_view body, const PutOptions& options) override {
    if (before) before(key);
    PutResult r = inner_->Put(key, body, options);
    if (after) after(key);
    return r;
  }
  std::optional<std::string> Get(const std::string& key) override { return inner_->Get(key); }
  std::vector<std::string> GetRanges(const std::string& key, const std::vector<ByteRange>& ranges) override {
    return inner_->GetRanges(key, ranges);
  }
  std::optional<ObjectInfo> Head(const std::string& key) override { return inner_->Head(key); }
  ListPage List(const std::string& prefix, const std::string& delimiter, const std::string& token,
                size_t max_keys) override {
    return inner_->List(prefix, delimiter, token, max_keys);
  }
  void Delete(const std::string& key) override { inner_->Delete(key); }

  std::shared_ptr<ObjectStore> inner_;
};

class ConditionalManifestStore : public ::testing::Test {
 protected:
  void SetUp() override {
    hooked_ = std::make_shared<HookedStore>(MakeMemoryObjectStore("cond"));
    resolver_.Register("mem", "cond", hooked_);
    store_ = MakeObjectManifestStore(resolver_, "mem://cond/root");
  }

  std::string Publish(const std::string& run_id,
                      const std::optional<std::string>& expected = std::nullopt) {
    RequiredBuildMeta build;
    build.run_id = run_id;
    build.created_at = Now();
    build.num_dbs = 1;
    build.s3_prefix = "mem://cond/root";
    return store_->Publish(build, {}, "{}", expected);
  }
  std::string CurrentRef() { return store_->LoadCurrent().value().ref; }

  StoreResolver resolver_;
  std::shared_ptr<HookedStore> hooked_;
  std::shared_ptr<ManifestStore> store_;
};

bool IsManifest(const std::string& key) { return key.find("/manifests/") != std::string::npos; }
bool IsCurrent(const std::string& key) { return key.ends_with("/_CURRENT"); }

TEST_F(ConditionalManifestStore, ManifestPutAppliedButReportedLostIsOurs) {
  int fired = 0;
  hooked_->after = [&](const std::string& key) {
    if (IsManifest(key) && fired++ == 0) throw PreconditionFailedError("HTTP 412 (simulated retry)");
  };
  std::string ref = Publish("run-a");
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(CurrentRef(), ref);
  EXPECT_EQ(store_->LoadManifest(ref).build.run_id, "run-a");
}

TEST_F(ConditionalManifestStore, ManifestKeyHoldingOtherBytesIsAClearError) {
  // Somebody else's object at our manifest key: the create-only PUT must not overwrite it.
  hooked_->before = [&](const std::string& key) {
    if (!IsManifest(key)) return;
    hooked_->inner_->Put(key, "someone else's bytes");
  };
  try {
    Publish("run-a");
    FAIL() << "published over a foreign manifest";
  } catch (const PublishManifestError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("already exists with different content"), std::string::npos) << what;
    EXPECT_NE(what.find("refusing to overwrite"), std::string::npos) << what;
    EXPECT_NE(what.find("mem://cond/root/manifests/"), std::string::npos) << what;
    EXPECT_FALSE(e.retryable()) << what;
  }
  EXPECT_FALSE(store_->LoadCurrent().has_value());
}

TEST_F(ConditionalManifestStore, CompareAndSwapMovesThePointerOnlyFromTheExpectedRef) {
  std::string first = Publish("run-a", "");  // "": no pointer yet
  EXPECT_EQ(CurrentRef(), first);
  std::string second = Publish("run-b", first);
  EXPECT_EQ(CurrentRef(), second);

  // A publisher that started before `second` landed lost the race.
  try {
    Publish("run-c", first);
    FAIL() << "a stale compare-and-swap moved _CURRENT";
  } catch (const PublishCurrentError& e) {
    std::string what = e.what();
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(e.manifest_ref().find("run_id=run-c"), std::string::npos);
    EXPECT_NE(what.find("another publish won"), std::string::npos) << what;
    EXPECT_NE(what.find("points at " + second), std::string::npos) << what;
    EXPECT_NE(what.find("expected " + first), std::string::npos) << what;
    EXPECT_NE(what.find(e.manifest_ref()), std::string::npos) << what;
  }
  EXPECT_EQ(CurrentRef(), second);

  // "No pointer yet" loses once there is one.
  EXPECT_THROW(Publish("run-d", ""), PublishCurrentError);
  EXPECT_EQ(CurrentRef(), second);
  // SetCurrent itself reports PreconditionFailedError.
  EXPECT_THROW(store_->SetCurrent(first, "mem://cond/root/manifests/x_run_id=zz/manifest"),
               PreconditionFailedError);
  EXPECT_EQ(CurrentRef(), second);
}

TEST_F(ConditionalManifestStore, PointerPutAppliedButReportedLostIsOurs) {
  std::string first = Publish("run-a");
  int fired = 0;
  hooked_->after = [&](const std::string& key) {
    if (IsCurrent(key) && fired++ == 0) throw PreconditionFailedError("HTTP 412 (simulated retry)");
  };
  std::string second = Publish("run-b", first);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(CurrentRef(), second);
  // Re-pointing at a ref the pointer already names is done, not lost (a retry after a lost
  // answer).
  EXPECT_NO_THROW(store_->SetCurrent(second, first));
}

TEST_F(ConditionalManifestStore, WriterInBetweenTheCheckAndThePutLoses) {
  std::string first = Publish("run-a");
  std::string other = Publish("run-other");
  store_->SetCurrent(first);
  // Another publisher moves the pointer between our read and our PUT: the ETag condition
  // catches it.
  bool raced = false;
  hooked_->before = [&](const std::string& key) {
    if (!IsCurrent(key) || raced) return;
    raced = true;
    store_->SetCurrent(other);
  };
  try {
    Publish("run-b", first);
    FAIL() << "the compare-and-swap did not notice the interleaved write";
  } catch (const PublishCurrentError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("points at " + other), std::string::npos) << what;
  }
  EXPECT_EQ(CurrentRef(), other);
}

}  // namespace
}  // namespace shardyfusion
