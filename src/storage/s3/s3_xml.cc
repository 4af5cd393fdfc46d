#include "storage/s3/s3_xml.h"

#include <cstdint>
#include <cstdlib>

#include "shardyfusion/errors.h"

namespace shardyfusion::s3 {
namespace {

[[noreturn]] void Malformed(const std::string& why, size_t pos) {
  throw ObjectStoreError("malformed XML from S3 at byte " + std::to_string(pos) + ": " + why);
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  XmlNode ParseDocument() {
    SkipMisc();
    if (!StartsWith("<")) Malformed("expected a root element", pos_);
    XmlNode root = ParseElement(0);
    SkipMisc();
    if (pos_ != doc_.size()) Malformed("content after the root element", pos_);
    return root;
  }

 private:
  bool StartsWith(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  void SkipUntil(std::string_view terminator) {
    size_t end = doc_.find(terminator, pos_);
    if (end == std::string_view::npos) Malformed("unterminated construct", pos_);
    pos_ = end + terminator.size();
  }

  // Whitespace, the <?xml ...?> declaration, comments and a doctype, between elements.
  void SkipMisc() {
    while (pos_ < doc_.size()) {
      char c = doc_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (StartsWith("<?")) {
        SkipUntil("?>");
      } else if (StartsWith("<!--")) {
        SkipUntil("-->");
      } else if (StartsWith("<!DOCTYPE")) {
        SkipUntil(">");
      } else {
        return;
      }
    }
  }

  std::string ParseName() {
    size_t start = pos_;
    while (pos_ < doc_.size()) {
      char c = doc_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=') {
        break;
      }
      ++pos_;
    }
    if (pos_ == start) Malformed("expected a name", pos_);
    std::string_view name = doc_.substr(start, pos_ - start);
    size_t colon = name.find(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  void DecodeEntity(std::string* out) {
    size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) Malformed("bad entity", pos_);
    std::string_view ent = doc_.substr(pos_ + 1, semi - pos_ - 1);
    if (ent == "lt") {
      out->push_back('<');
    } else if (ent == "gt") {
      out->push_back('>');
    } else if (ent == "amp") {
      out->push_back('&');
    } else if (ent == "quot") {
      out->push_back('"');
    } else if (ent == "apos") {
      out->push_back('\'');
    } else if (ent.size() > 1 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string digits(ent.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp > 0x10FFFF) Malformed("bad character ref", pos_);
      AppendUtf8(static_cast<uint32_t>(cp), out);
    } else {
      Malformed("unknown entity &" + std::string(ent) + ";", pos_);
    }
    pos_ = semi + 1;
  }

  XmlNode ParseElement(int depth) {
    if (depth > 64) Malformed("nesting too deep", pos_);
    ++pos_;  // '<'
    XmlNode node;
    node.name = ParseName();
    // Attributes (xmlns=...) carry nothing S3 callers need; skip them, respecting quotes.
    while (true) {
      if (pos_ >= doc_.size()) Malformed("unterminated start tag", pos_);
      char c = doc_[pos_];
      if (c == '"' || c == '\'') {
        size_t close = doc_.find(c, pos_ + 1);
        if (close == std::string_view::npos) Malformed("unterminated attribute", pos_);
        pos_ = close + 1;
      } else if (StartsWith("/>")) {
        pos_ += 2;
        return node;
      } else if (c == '>') {
        ++pos_;
        break;
      } else {
        ++pos_;
      }
    }
    // Content until the matching end tag.
    while (true) {
      if (pos_ >= doc_.size()) Malformed("missing </" + node.name + ">", pos_);
      char c = doc_[pos_];
      if (c == '&') {
        DecodeEntity(&node.text);
      } else if (c != '<') {
        node.text.push_back(c);
        ++pos_;
      } else if (StartsWith("</")) {
        pos_ += 2;
        std::string name = ParseName();
        if (name != node.name) Malformed("</" + name + "> closes <" + node.name + ">", pos_);
        while (pos_ < doc_.size() && doc_[pos_] != '>') ++pos_;
        if (pos_ >= doc_.size()) Malformed("unterminated end tag", pos_);
        ++pos_;
        return node;
      } else if (StartsWith("<![CDATA[")) {
        size_t end = doc_.find("]]>", pos_);
        if (end == std::string_view::npos) Malformed("unterminated CDATA", pos_);
        node.text.append(doc_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (StartsWith("<!--")) {
        SkipUntil("-->");
      } else if (StartsWith("<?")) {
        SkipUntil("?>");
      } else {
        node.children.push_back(ParseElement(depth + 1));
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
};

}  // namespace

const XmlNode* XmlNode::Child(std::string_view child_name) const {
  for (const XmlNode& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlNode::ChildText(std::string_view child_name) const {
  const XmlNode* child = Child(child_name);
  return child ? child->text : std::string();
}

std::vector<const XmlNode*> XmlNode::ChildrenNamed(std::string_view child_name) const {
  std::vector<const XmlNode*> out;
  for (const XmlNode& child : children) {
    if (child.name == child_name) out.push_back(&child);
  }
  return out;
}

XmlNode ParseXml(std::string_view document) { return Parser(document).ParseDocument(); }

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace shardyfusion::s3
