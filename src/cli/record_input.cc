#include "cli/record_input.h"

#include <fstream>

#include "cli/cli_error.h"

namespace shardyfusion::cli {
namespace {

[[noreturn]] void Malformed(uint64_t line, const std::string& why) {
  throw CommandError("input line " + std::to_string(line) + ": " + why);
}

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r") == std::string::npos; }

class JsonlReader : public RecordReader {
 public:
  explicit JsonlReader(std::istream& in) : in_(in) {}
  bool Next(InputRecord& out) override {
    std::string text;
    while (std::getline(in_, text)) {
      ++line_;
      if (Blank(text)) continue;
      out.line = line_;
      try {
        out.fields = nlohmann::json::parse(text);
      } catch (const nlohmann::json::parse_error& e) {
        Malformed(line_, std::string("invalid JSON: ") + e.what());
      }
      if (!out.fields.is_object()) Malformed(line_, "expected a JSON object");
      return true;
    }
    return false;
  }

 private:
  std::istream& in_;
  uint64_t line_ = 0;
};

// Header row first; every later row must have as many fields.
class DelimitedReader : public RecordReader {
 public:
  DelimitedReader(std::istream& in, char sep, bool quoting)
      : in_(in), sep_(sep), quoting_(quoting) {}

  bool Next(InputRecord& out) override {
    if (!header_read_) {
      header_read_ = true;
      if (!ReadRow(header_)) return false;
      for (size_t i = 0; i < header_.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (header_[i] == header_[j])
            Malformed(start_line_, "duplicate column '" + header_[i] + "'");
    }
    std::vector<std::string> row;
    while (true) {
      if (!ReadRow(row)) return false;
      if (!(row.size() == 1 && row[0].empty())) break;  // skip blank lines
    }
    if (row.size() != header_.size())
      Malformed(start_line_, "expected " + std::to_string(header_.size()) + " fields, got " +
                                 std::to_string(row.size()));
    out.line = start_line_;
    out.fields = nlohmann::json::object();
    for (size_t i = 0; i < row.size(); ++i) out.fields[header_[i]] = std::move(row[i]);
    return true;
  }

 private:
  bool ReadRow(std::vector<std::string>& row) {
    row.clear();
    std::string text;
    if (!std::getline(in_, text)) return false;
    start_line_ = ++line_;
    std::string field;
    bool quoted = false;
    size_t i = 0;
    while (true) {
      if (i >= text.size()) {
        if (quoted) {  // a quoted field continues on the next line
          if (!std::getline(in_, text)) Malformed(start_line_, "unterminated quoted field");
          ++line_;
          field += '\n';
          i = 0;
          continue;
        }
        break;
      }
      char c = text[i++];
      if (quoted) {
        if (c == '"') {
          if (i < text.size() && text[i] == '"') {
            field += '"';
            ++i;
          } else {
            quoted = false;
          }
        } else {
          field += c;
        }
      } else if (c == sep_) {
        row.push_back(std::move(field));
        field.clear();
      } else if (c == '"' && quoting_ && field.empty()) {
        quoted = true;
      } else if (c == '\r' && i == text.size()) {
        // CRLF line ending
      } else {
        field += c;
      }
    }
    row.push_back(std::move(field));
    return true;
  }

  std::istream& in_;
  char sep_;
  bool quoting_;
  bool header_read_ = false;
  std::vector<std::string> header_;
  uint64_t line_ = 0;
  uint64_t start_line_ = 0;
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

InputFormat ResolveInputFormat(const std::string& format, const std::string& path) {
  if (format == "jsonl") return InputFormat::kJsonl;
  if (format == "csv") return InputFormat::kCsv;
  if (format == "tsv") return InputFormat::kTsv;
  if (!format.empty())
    throw UsageError("--format must be jsonl, csv or tsv (got '" + format + "')");
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson") || EndsWith(path, ".json"))
    return InputFormat::kJsonl;
  if (EndsWith(path, ".csv")) return InputFormat::kCsv;
  if (EndsWith(path, ".tsv")) return InputFormat::kTsv;
  throw UsageError("cannot tell the input format of '" + path + "': pass --format jsonl|csv|tsv");
}

std::unique_ptr<RecordReader> MakeRecordReader(InputFormat format, std::istream& in) {
  switch (format) {
    case InputFormat::kJsonl:
      return std::make_unique<JsonlReader>(in);
    case InputFormat::kCsv:
      return std::make_unique<DelimitedReader>(in, ',', true);
    case InputFormat::kTsv:
      return std::make_unique<DelimitedReader>(in, '\t', false);
  }
  return nullptr;
}

uint64_t CountRecords(InputFormat format, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot open input file " + path);
  uint64_t count = 0;
  if (format == InputFormat::kJsonl) {
    std::string line;
    while (std::getline(in, line))
      if (!Blank(line)) ++count;  // the write pass reports malformed lines with their number
    return count;
  }
  auto reader = MakeRecordReader(format, in);
  InputRecord record;
  while (reader->Next(record)) ++count;
  return count;
}

}  // namespace shardyfusion::cli
