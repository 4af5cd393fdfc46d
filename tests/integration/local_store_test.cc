// Local directory store: behaviour beyond the shared conformance suite — several
// processes on one directory, hidden temp/lock files, key validation, URLs, bad roots.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "integration/store_conformance.h"
#include "shardyfusion/errors.h"
#include "support/test_util.h"

namespace shardyfusion {
namespace {

using conformance::IsPatternBody;
using conformance::PatternBody;
namespace fs = std::filesystem;

std::vector<std::string> AllKeys(ObjectStore& store) {
  std::vector<std::string> keys;
  for (const auto& o : ListAllObjects(store, "")) keys.push_back(o.key);
  return keys;
}

// Runs `body` in `n` forked children; returns their pids.  A child exits 0 on success.
template <typename F>
std::vector<pid_t> ForkChildren(int n, F body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int rc = 1;
      try {
        rc = body(i) ? 0 : 1;
      } catch (...) {
      }
      ::_exit(rc);
    }
    pids.push_back(pid);
  }
  return pids;
}

// Reaps every child that has exited; true once all of them have.  Records failures.
bool ReapExited(std::vector<pid_t>& pids, int* failures) {
  for (auto it = pids.begin(); it != pids.end();) {
    int status = 0;
    pid_t r = ::waitpid(*it, &status, WNOHANG);
    if (r == *it) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++*failures;
      it = pids.erase(it);
    } else {
      ++it;
    }
  }
  return pids.empty();
}

class LocalStoreTest : public ::testing::Test {
 protected:
  std::string root() const { return tmp_.path() + "/root"; }
  testing::TempDir tmp_;
};

TEST_F(LocalStoreTest, ConcurrentProcessesNeverSeeTornObjects) {
  auto store = MakeLocalObjectStore(root());
  const std::string key = "prefix/_CURRENT";
  store->Put(key, PatternBody("initial", 256 << 10));
  std::vector<pid_t> pids = ForkChildren(3, [&](int child) {
    auto own = MakeLocalObjectStore(root());  // a fresh store, as another process would
    for (int i = 0; i < 100; ++i) {
      std::string tag = "c" + std::to_string(child) + "i" + std::to_string(i);
      own->Put(key, PatternBody(tag, (256 << 10) + child * 7 + i));
    }
    return true;
  });
  int failures = 0, reads = 0, torn = 0, missing = 0, extra_listed = 0;
  bool done = false;
  while (!done) {
    done = ReapExited(pids, &failures);  // read at least once more after the last exit
    auto got = store->Get(key);
    ++reads;
    if (!got) {
      ++missing;
    } else if (!IsPatternBody(*got)) {
      ++torn;
    }
    if (AllKeys(*store) != std::vector<std::string>{key}) ++extra_listed;  // temp files
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(extra_listed, 0);
  std::string last = *store->Get(key);
  EXPECT_EQ(last.substr(0, last.find('|')).substr(2), "i99");  // some child's last write
}

TEST_F(LocalStoreTest, ConditionalPutsSerializeAcrossProcesses) {
  auto store = MakeLocalObjectStore(root());
  store->Put("counter", "0");
  constexpr int kChildren = 3, kIncrements = 30;
  std::vector<pid_t> pids = ForkChildren(kChildren, [&](int) {
    auto own = MakeLocalObjectStore(root());
    for (int done = 0, tries = 0; done < kIncrements; ++tries) {
      if (tries > 100000) return false;  // livelock: fail rather than hang
      // Compare-and-swap: read the ETag first, so a body newer than it fails the match.
      auto head = own->Head("counter");
      auto body = own->Get("counter");
      if (!head || !body) return false;
      PutOptions cas;
      cas.if_match = head->etag;
      try {
        own->Put("counter", std::to_string(std::stoi(*body) + 1), cas);
        ++done;
      } catch (const PreconditionFailedError&) {
      }
    }
    return true;
  });
  int failures = 0;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store->Get("counter"), std::to_string(kChildren * kIncrements));
}

TEST_F(LocalStoreTest, EtagsOfQuickIdenticalWritesAreDistinct) {
  auto store = MakeLocalObjectStore(root());
  std::set<std::string> etags;
  for (int i = 0; i < 200; ++i) etags.insert(store->Put("k", "same bytes").etag);
  EXPECT_EQ(etags.size(), 200u);
}

TEST_F(LocalStoreTest, TempAndLockFilesNeverAppearInListings) {
  auto store = MakeLocalObjectStore(root());
  PutOptions create;
  create.if_none_match = true;
  store->Put("a/b/obj", "x", create);  // leaves a lock file in a/b
  fs::create_directories(root() + "/hidden-only");
  std::ofstream(root() + "/a/b/.sf-tmp.123.deadbeef") << "half-written";
  std::ofstream(root() + "/hidden-only/.sf-tmp.lock") << "";
  EXPECT_EQ(AllKeys(*store), (std::vector<std::string>{"a/b/obj"}));
  EXPECT_EQ(store->List("", "/").common_prefixes, (std::vector<std::string>{"a/"}));
  EXPECT_EQ(store->List("a/b/", "/").objects.size(), 1u);
  // Removing the subtree also removes our hidden files, and counts only objects.
  EXPECT_EQ(store->DeletePrefix("a"), 1u);
  EXPECT_FALSE(fs::exists(root() + "/a"));
  EXPECT_TRUE(fs::exists(root()));
}

TEST_F(LocalStoreTest, InvalidKeysAreRejectedNamingTheKey) {
  auto store = MakeLocalObjectStore(root());
  for (const std::string key :
       {"", "/abs", "a/../b", "..", "./a", "a/./b", "a//b", "a/", ".sf-tmp.x", "a/.sf-tmp.lock"}) {
    try {
      store->Put(key, "x");
      ADD_FAILURE() << "accepted key '" << key << "'";
    } catch (const ObjectStoreError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
    EXPECT_THROW(store->Get(key), ObjectStoreError) << key;
    EXPECT_THROW(store->Delete(key), ObjectStoreError) << key;
  }
  EXPECT_THROW(store->Put(std::string("a\0b", 3), "x"), ObjectStoreError);
  EXPECT_FALSE(fs::exists(root() + "/b"));
  // Dots inside a segment and hidden names of our own choosing are fine.
  for (const std::string key :
       {"a/..._run_id=x/run.yaml", "a/b..c", "a/.hidden", "a/.sf-tmp", "..."}) {
    store->Put(key, "ok");
    EXPECT_EQ(store->Get(key), "ok") << key;
  }
}

TEST_F(LocalStoreTest, KeyCannotBeBothObjectAndDirectory) {
  auto store = MakeLocalObjectStore(root());
  store->Put("a", "file");
  EXPECT_THROW(store->Put("a/b", "x"), ObjectStoreError);
  store->Put("d/e", "x");
  EXPECT_THROW(store->Put("d", "x"), ObjectStoreError);
  EXPECT_EQ(store->Get("a"), "file");
  EXPECT_EQ(store->Get("d/e"), "x");
}

TEST_F(LocalStoreTest, UnusableRootThrowsObjectStoreErrorNamingThePath) {
  std::ofstream(tmp_.path() + "/plain-file") << "not a directory";
  try {
    MakeLocalObjectStore(tmp_.path() + "/plain-file/root");
    ADD_FAILURE() << "root under a file accepted";
  } catch (const ObjectStoreError& e) {
    EXPECT_NE(std::string(e.what()).find(tmp_.path() + "/plain-file"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(MakeLocalObjectStore(""), ObjectStoreError);
}

TEST_F(LocalStoreTest, ReadOnlyRootRejectsWritesWithStrerror) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  auto store = MakeLocalObjectStore(root());
  store->Put("existing", "x");
  ::chmod(root().c_str(), 0555);
  try {
    store->Put("new/key", "x");
    ADD_FAILURE() << "write to a read-only root succeeded";
  } catch (const ObjectStoreError& e) {
    EXPECT_NE(std::string(e.what()).find("Permission denied"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->Get("existing"), "x");  // reads still work
  ::chmod(root().c_str(), 0755);
}

TEST_F(LocalStoreTest, UrlForIsAbsoluteNormalizedFileUrl) {
  fs::create_directories(tmp_.path() + "/x");
  auto store = MakeLocalObjectStore(tmp_.path() + "/x/../root/./");
  EXPECT_EQ(store->UrlFor("prefix/_CURRENT"), "file://" + root() + "/prefix/_CURRENT");

  fs::path old_cwd = fs::current_path();
  fs::current_path(tmp_.path());
  auto relative = MakeLocalObjectStore("rel");
  fs::current_path(old_cwd);
  EXPECT_EQ(relative->UrlFor("k"), "file://" + tmp_.path() + "/rel/k");
  EXPECT_TRUE(fs::is_directory(tmp_.path() + "/rel"));
}

TEST_F(LocalStoreTest, ObjectsAreFilesUnderTheRootAndDeleteTidiesEmptyDirs) {
  auto store = MakeLocalObjectStore(root());
  store->Put("a/b/c", "bytes");
  EXPECT_EQ(testing::ReadFileOrDie(root() + "/a/b/c"), "bytes");
  store->Put("a/keep", "k");
  store->Delete("a/b/c");
  EXPECT_FALSE(fs::exists(root() + "/a/b"));
  EXPECT_TRUE(fs::exists(root() + "/a"));
  store->Delete("a/keep");
  EXPECT_FALSE(fs::exists(root() + "/a"));
  EXPECT_TRUE(fs::is_directory(root()));
  // Objects written by other tools are visible.
  fs::create_directories(root() + "/ext");
  std::ofstream(root() + "/ext/file") << "from outside";
  EXPECT_EQ(store->Get("ext/file"), "from outside");
}

TEST_F(LocalStoreTest, GetToFileLeavesNoTempFilesBehind) {
  auto store = MakeLocalObjectStore(root());
  store->Put("obj", PatternBody("dl", 100000));
  fs::create_directories(tmp_.path() + "/dl");
  ASSERT_TRUE(store->GetToFile("obj", tmp_.path() + "/dl/out"));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp_.path() + "/dl")) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"out"}));
}

}  // namespace
}  // namespace shardyfusion
