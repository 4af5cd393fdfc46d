// ObjectStore conformance suite: one set of scenario bodies (TEST_P in
// store_conformance_test.cc) that every ObjectStore implementation must pass.
//
// To run it against another store, instantiate it from any .cc file of the integration
// test binary (the TEST_P bodies live in store_conformance_test.cc, which links in):
//
//   #include "integration/store_conformance.h"
//
//   INSTANTIATE_TEST_SUITE_P(
//       S3, StoreConformance,
//       ::testing::Values(shardyfusion::conformance::StoreCase{
//           "s3", [] { return MakeS3StoreOnFreshBucket(); }}),
//       shardyfusion::conformance::StoreCaseName);
//
// The factory is called once per test (in SetUp) and must return an EMPTY store; cleanup
// belongs in the returned shared_ptr's deleter (see MakeScratchLocalStore).  A factory that
// cannot run (e.g. no S3 server) returns nullptr and the test is skipped.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "shardyfusion/object_store.h"

namespace shardyfusion::conformance {

struct StoreCase {
  std::string name;  // test-name suffix: [A-Za-z0-9_] only
  std::function<std::shared_ptr<ObjectStore>()> factory;
};

// Used by gtest to name instantiations (".../memory") and to print the parameter.
std::string StoreCaseName(const ::testing::TestParamInfo<StoreCase>& info);
void PrintTo(const StoreCase& store_case, std::ostream* os);

// A local store over a fresh temp directory, removed when the last reference goes.
std::shared_ptr<ObjectStore> MakeScratchLocalStore();

// "<tag>|" followed by bytes derived from the tag, `size` bytes in all: a body whose
// integrity IsPatternBody can check without knowing which writer produced it.
std::string PatternBody(std::string_view tag, size_t size);
bool IsPatternBody(std::string_view body);

}  // namespace shardyfusion::conformance

class StoreConformance : public ::testing::TestWithParam<shardyfusion::conformance::StoreCase> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  shardyfusion::ObjectStore& store() { return *store_; }

  std::shared_ptr<shardyfusion::ObjectStore> store_;
};
