// Regression found while fuzzing ParseIsoTime (fuzz/time_fuzz.cc round trip): times whose
// UTC instant falls outside years 1..9999 were accepted, then formatted as "-001-12-31..."
// or "10000-01-01..." which nothing (neither we nor Python's datetime) parses back.
#include <gtest/gtest.h>

#include "shardyfusion/errors.h"
#include "shardyfusion/time.h"

namespace shardyfusion {
namespace {

TEST(TimeParseRegression, InstantsOutsideYears1To9999AreRejected) {
  EXPECT_THROW(ParseIsoTime("0000-01-01T00:00:00Z"), ManifestParseError);
  EXPECT_THROW(ParseIsoTime("0000-06-01T00:00:00"), ManifestParseError);
  EXPECT_THROW(ParseIsoTime("0001-01-01T00:00:00+01:00"), ManifestParseError);  // year 0 in UTC
  EXPECT_THROW(ParseIsoTime("9999-12-31T23:59:60Z"), ManifestParseError);       // leap into 10000
  EXPECT_THROW(ParseIsoTime("9999-12-31T23:59:59-23:59"), ManifestParseError);
}

TEST(TimeParseRegression, TheEdgesThemselvesRoundTrip) {
  for (const char* text : {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                           "0001-01-01T23:00:00+23:00", "9999-12-31T00:00:00-23:59"}) {
    Timestamp t = ParseIsoTime(text);
    EXPECT_EQ(ParseIsoTime(FormatIsoTime(t)), t) << text;
    EXPECT_EQ(ParseIsoTime(FormatDirTime(t)), t) << text;
  }
}

}  // namespace
}  // namespace shardyfusion
