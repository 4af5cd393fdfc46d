// The ObjectStore conformance suite (store_conformance.h) against moto: every scenario
// runs on a fresh bucket of the shared moto server; skipped when moto_server is missing.
#include "integration/store_conformance.h"
#include "support/moto_server.h"

INSTANTIATE_TEST_SUITE_P(S3, StoreConformance,
                         ::testing::Values(shardyfusion::conformance::StoreCase{
                             "s3", shardyfusion::testing::MakeS3StoreOnFreshBucket}),
                         shardyfusion::conformance::StoreCaseName);
