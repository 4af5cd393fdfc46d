// UTC timestamps with microsecond precision and their text forms (format.md conventions).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace shardyfusion {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp Now();
// pydantic-ISO: 2026-04-20T15:23:01.123456Z, fraction omitted when microseconds are 0.
std::string FormatIsoTime(Timestamp t);
// Always six fractional digits: the <TS> of manifest and run directory names.
std::string FormatDirTime(Timestamp t);
// Accepts ISO-8601 / RFC 3339 with 'Z', '+HH:MM' offsets, or naive (taken as UTC), with
// or without a fraction.  Throws ManifestParseError naming the text otherwise.
Timestamp ParseIsoTime(std::string_view text);

}  // namespace shardyfusion
