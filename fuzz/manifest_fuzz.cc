// ParseSqliteManifest over arbitrary bytes (seeds: BuildSqliteManifest images, see
// seed_gen.cc).  Only ManifestParseError may escape.  A manifest that parses must survive
// a rebuild: BuildSqliteManifest(parsed) either refuses with ManifestBuildError or gives an
// image that parses back to the same shard list.
#include "fuzz/fuzz_util.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"

using namespace shardyfusion;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ParsedManifest m;
  try {
    m = ParseSqliteManifest(fuzz::AsView(data, size));
  } catch (const ManifestParseError&) {
    return 0;
  }
  FUZZ_CHECK(m.build.num_dbs > 0);
  FUZZ_CHECK(m.shards.size() <= m.build.num_dbs);
  if (m.build.num_dbs <= 1'000'000) {  // PaddedShards allocates num_dbs entries
    auto padded = m.PaddedShards();
    FUZZ_CHECK(padded.size() == m.build.num_dbs);
  }
  std::string image;
  try {
    image = BuildSqliteManifest(m.build, m.shards, m.custom_json);
  } catch (const ManifestBuildError&) {
    return 0;
  }
  ParsedManifest again = ParseSqliteManifest(image);  // must not throw
  FUZZ_CHECK(again.shards.size() == m.shards.size());
  FUZZ_CHECK(again.build.num_dbs == m.build.num_dbs);
  FUZZ_CHECK(again.build.run_id == m.build.run_id);
  FUZZ_CHECK(again.custom_json == m.custom_json);
  for (size_t i = 0; i < m.shards.size(); ++i) {
    FUZZ_CHECK(again.shards[i].db_id == m.shards[i].db_id);
    FUZZ_CHECK(again.shards[i].db_url == m.shards[i].db_url);
  }
  return 0;
}
