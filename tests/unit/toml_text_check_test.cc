// CheckTomlText, the guard in front of toml++ 3.3.0 (src/core/toml_text_check.h).
// Regression for the config fuzzer's finding (fuzz/corpus/config/known_toml_unreachable_ub):
// non-ASCII bytes drove toml++ into TOML_UNREACHABLE.  Every code point of the affected
// ranges is tried in every context: the guard must reject it where toml++ would classify it
// and let it through in strings and comments.  What the guard lets through is then parsed
// by toml++ here, so the sanitizer build (preset asan: UBSan's `unreachable` check) proves
// the accepted inputs are well-defined.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "core/toml_text_check.h"
#include "core/tomlplusplus.h"
#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

std::string Utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

std::string RejectionOf(std::string_view text) {
  try {
    CheckTomlText(text, "cfg.toml");
    return "";
  } catch (const ConfigValidationError& e) {
    return e.what();
  }
}

bool Accepted(std::string_view text) { return RejectionOf(text).empty(); }

TEST(TomlTextCheck, InvalidUtf8NamesTheFileAndByteOffset) {
  EXPECT_EQ(RejectionOf("a = \"\xff\""), "cfg.toml: byte offset 5 (line 1): not valid UTF-8 (TOML files must be UTF-8)");
  EXPECT_NE(RejectionOf("a = 1\nb = \"\xc3\"").find("byte offset 11 (line 2)"), std::string::npos);  // truncated
  EXPECT_NE(RejectionOf("a = '\xc0\xaf'").find("byte offset 5"), std::string::npos);           // overlong '/'
  EXPECT_NE(RejectionOf("a = '\xe0\x80\xaf'").find("byte offset 5"), std::string::npos);       // overlong
  EXPECT_NE(RejectionOf("a = '\xed\xa0\x80'").find("byte offset 5"), std::string::npos);       // surrogate
  EXPECT_NE(RejectionOf("a = '\xf4\x90\x80\x80'").find("byte offset 5"), std::string::npos);   // > U+10FFFF
  EXPECT_NE(RejectionOf("# \x80").find("byte offset 2"), std::string::npos);                   // stray continuation
  EXPECT_TRUE(Accepted("a = '\xf4\x8f\xbf\xbf'"));                                             // U+10FFFF
}

TEST(TomlTextCheck, TheFuzzerReproducerIsRejected) {
  std::string repro = "[reader9\xc7\xbc" + std::string(60, '9') + "]";
  EXPECT_NE(RejectionOf(repro).find("byte offset 8 (line 1): non-ASCII character outside a string or comment"),
            std::string::npos)
      << RejectionOf(repro);
}

TEST(TomlTextCheck, NonAsciiInStringsAndCommentsIsFine) {
  for (const char* text : {
           "\xEF\xBB\xBF[reader]\n",                                   // byte order mark
           "# caf\xc3\xa9\n[reader] # \xc7\xbc\n",                     // comments
           "a = \"caf\xc3\xa9\"\nb = 'Z\xc3\xbcrich'\n",               // basic, literal
           "a = \"\\\"\xc7\xbc\"\n",                                    // after an escaped quote
           "a = \"\"\"\n\xc7\xbc \"\" \xc7\xbc\"\"\"\n",                // multi-line basic
           "a = '''\xc7\xbc'' \xc7\xbc'''\n",                           // multi-line literal
           "a = \"\"\"x\\\n   y\xc7\xbc\"\"\"\n",                       // after a trimmed line end
           "\"k\xc7\xbc\" = 1\n[\"t\xc7\xbc\".'u\xc7\xbc']\n",          // quoted keys
           "a = [\"\xc7\xbc\", {b = '\xc7\xbc'}] # \xc7\xbc\n",
       })
    EXPECT_TRUE(Accepted(text)) << text << ": " << RejectionOf(text);
}

TEST(TomlTextCheck, StringBoundariesFollowTomlNotNaiveQuoteCounting) {
  EXPECT_FALSE(Accepted("a = \"x\\\\\"\xc7\xbc"));         // "x\\" closed the string
  EXPECT_FALSE(Accepted("a = 'x\\'\xc7\xbc"));             // literal strings have no escapes
  EXPECT_FALSE(Accepted("a = \"\"\"x\"\"\"\"\"\xc7\xbc"));  // """x""""" ends after 5 quotes
  EXPECT_FALSE(Accepted("a = \"\"\xc7\xbc"));               // "" is an empty string
  EXPECT_FALSE(Accepted("# c\n\xc7\xbc = 1"));              // a comment ends at the line break
  EXPECT_TRUE(Accepted("a = \"#\" # \"\xc7\xbc"));          // '#' in a string, '"' in a comment
}

// Contexts where toml++ 3.3.0 asks is_non_ascii_horizontal_whitespace about the character
// put at '@', and ones where it does not.
const std::vector<std::string> kClassifiedContexts = {
    "\n@ = 1",      "[a@]",          "[[a@]]",          "a@ = 1",       "a = 1@",
    "a = true@",    "a = [1, @]",    "a = {b = 1@}",    "a.@ = 1",      "\"a\"@ = 1",
    "a = 1979-05-27@", "a = \"\"\"\\@\"\"\"", "a = \"\"\"\\  @\"\"\"",
    "a = \"\"\"x\\\n@\"\"\"", "a = \"\"\"x\\\n \t\n  @\"\"\"",
    // Bare values are scanned to a value terminator before they are judged, quotes and all
    // (the config fuzzer's second finding).
    "a = 1\"@\"", "a = 1.\"@\"", "a = -'@'", "a = [1[\"@\"]]", "a = [\n  # c\n  1\"@\"]",
    "a = 1979-05-27 \"@\"", "a = {b = 2=\"@\"}",
};
const std::vector<std::string> kStringContexts = {
    "a = \"@\"", "a = '@'", "# @", "\"@\" = 1", "a = \"\"\"@\"\"\"", "a = '''\\@'''", "a = \"\\\\@\"",
};

std::string Fill(const std::string& context, char32_t c) {
  std::string out = context;
  out.replace(out.find('@'), 1, Utf8(c));
  return out;
}

void ParseWithToml(const std::string& text) {
  try {
    (void)toml::parse(text, std::string_view("cfg.toml"));
  } catch (const toml::parse_error&) {
  }
}

TEST(TomlTextCheck, EveryCodePointOfTheBuggyRangesInEveryContext) {
  std::vector<char32_t> code_points;
  for (char32_t c = 0x80; c <= 0x4A0; ++c) code_points.push_back(c);
  for (char32_t c = 0x2C50; c <= 0x3060; ++c) code_points.push_back(c);
  for (char32_t c = 0xFBA0; c <= 0xFFFD; ++c) code_points.push_back(c);
  for (char32_t c : {0x1680, 0x180E, 0x2000, 0x200B, 0x202F, 0x205F, 0x2060, 0x10000, 0x10FFFF})
    code_points.push_back(c);
  int accepted = 0;
  for (char32_t c : code_points) {
    for (const auto& context : kClassifiedContexts) {
      std::string text = Fill(context, c);
      ASSERT_FALSE(Accepted(text)) << "U+" << std::hex << static_cast<uint32_t>(c) << " in " << context;
    }
    for (const auto& context : kStringContexts) {
      std::string text = Fill(context, c);
      ASSERT_TRUE(Accepted(text)) << "U+" << std::hex << static_cast<uint32_t>(c) << " in " << context << ": "
                                  << RejectionOf(text);
      ParseWithToml(text);  // under UBSan: must not reach TOML_UNREACHABLE
      ++accepted;
    }
  }
  EXPECT_EQ(accepted, static_cast<int>(code_points.size() * kStringContexts.size()));
}

// The config fuzzer's reproducer: a value starting "5ers..." runs on into `"k\xc3\xa9y"`;
// toml++ scans that whole run (quotes included) and classified the 'é'.
TEST(TomlTextCheck, QuotesInsideABareValueDoNotStartAString) {
  std::string repro = SHARDY_SOURCE_DIR "/fuzz/corpus/config/broken_quote_in_bare_value";
  std::ifstream in(repro, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty()) << repro;
  EXPECT_NE(RejectionOf(text).find("non-ASCII character in a bare value"), std::string::npos) << RejectionOf(text);
  // Strings right after '=', ',' or '[' are still strings, also across lines and comments.
  EXPECT_TRUE(Accepted("a = [1, \"\xc7\xbc\", # \xc7\xbc\n  '\xc7\xbc']\nb = 1979-05-27T07:32:00Z # \xc7\xbc\n"));
  EXPECT_TRUE(Accepted("a = 1\nb = \"\xc7\xbc\"\n"));
}

// toml++ 3.3.0 asserts (Debug) or assumes (clang release) that a table header's key starts
// with a key character; "[{" breaks that, so a Debug CLI aborted on such a config file.
// Through core/tomlplusplus.h every build takes the parser's own error path instead.
TEST(TomlTextCheck, TableHeadersWithoutAKeyAreParseErrorsNotAborts) {
  for (const char* text : {"[{", "[[[", "[[ [", "[[[{'''", "[\"a\".{"}) {
    ASSERT_TRUE(Accepted(text)) << text;
    EXPECT_THROW((void)toml::parse(text, std::string_view("cfg.toml")), toml::parse_error) << text;
  }
}

// A small deterministic fuzz: TOML-ish fragments and random (mostly non-ASCII) bytes
// spliced together.  Whatever the check accepts goes to toml++; in the asan preset UBSan
// reports any undefined behaviour there.
TEST(TomlTextCheck, RandomTextThatPassesTheCheckParsesWithoutUndefinedBehaviour) {
  const std::vector<std::string> pieces = {
      "[", "]", "[[", "]]", "a", "b.c", " = ", "=", "\"", "'", "\"\"\"", "'''", "\\", "\n", "\r\n", " ", "\t",
      "#", ",", "{", "}", "1", "true", "1979-05-27", "\xc7\xbc", "\xc3\xa9", "\xe3\x80\x80", "\xef\xbb\xbf",
      "\xe2\x80\x83", "\xef\xbc\x81"};
  std::mt19937 rng(295);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    int n = 1 + static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      if (rng() % 8 == 0)
        text += static_cast<char>(0x80 + rng() % 0x80);
      else
        text += pieces[rng() % pieces.size()];
    }
    if (!Accepted(text)) continue;
    ++accepted;
    ParseWithToml(text);
  }
  EXPECT_GT(accepted, 1000);
}

}  // namespace
}  // namespace shardyfusion
