#include "shardyfusion/time.h"

#include <cstdio>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

using std::chrono::days;
using std::chrono::microseconds;

std::string Format(Timestamp t, bool always_fraction) {
  auto day = std::chrono::floor<days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  auto us = hms.subseconds().count();
  if (always_fraction || us != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", (long long)us);
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

[[noreturn]] void Bad(std::string_view text) {
  throw ManifestParseError("invalid ISO-8601 datetime: '" + std::string(text) + "'");
}

int Digits(std::string_view s, size_t pos, size_t count, std::string_view text) {
  if (pos + count > s.size()) Bad(text);
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') Bad(text);
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

Timestamp Now() {
  return std::chrono::time_point_cast<microseconds>(std::chrono::system_clock::now());
}

std::string FormatIsoTime(Timestamp t) { return Format(t, false); }
std::string FormatDirTime(Timestamp t) { return Format(t, true); }

Timestamp ParseIsoTime(std::string_view s) {
  // YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|+HH:MM|-HH:MM]
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    Bad(s);
  std::chrono::year_month_day ymd{std::chrono::year{Digits(s, 0, 4, s)},
                                  std::chrono::month(unsigned(Digits(s, 5, 2, s))),
                                  std::chrono::day(unsigned(Digits(s, 8, 2, s)))};
  if (!ymd.ok()) Bad(s);
  int hh = Digits(s, 11, 2, s), mm = Digits(s, 14, 2, s), ss = Digits(s, 17, 2, s);
  if (hh > 23 || mm > 59 || ss > 60) Bad(s);
  size_t pos = 19;
  long long us = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t start = pos;
    long long scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      us += (s[pos] - '0') * scale;  // digits past microseconds are truncated
      scale /= 10;
      ++pos;
    }
    if (pos == start) Bad(s);
  }
  long long offset_s = 0;
  if (pos < s.size()) {
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
      pos = s.size();
    } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
      int sign = s[pos] == '+' ? 1 : -1;
      offset_s = sign * (Digits(s, pos + 1, 2, s) * 3600LL + Digits(s, pos + 4, 2, s) * 60LL);
      pos = s.size();
    } else {
      Bad(s);
    }
  }
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(hh) + std::chrono::minutes(mm) +
           std::chrono::seconds(ss) + microseconds(us) - std::chrono::seconds(offset_s);
  // Years 1..9999 in UTC, like Python's datetime: anything else (year 0, or an offset that
  // crosses the edge) would format as "-001-..." / "10000-..." and never parse back.
  using std::chrono::year;
  static const auto kMin = std::chrono::sys_days(year{1} / 1 / 1);
  static const auto kEnd = std::chrono::sys_days(year{10000} / 1 / 1);
  if (t < kMin || t >= kEnd) Bad(s);
  return std::chrono::time_point_cast<microseconds>(t);
}

}  // namespace shardyfusion
