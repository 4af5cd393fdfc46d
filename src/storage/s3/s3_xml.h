// Minimal XML reader/writer for S3's response bodies (internal).
//
// Hand-written because no XML library is a dependency of the project and S3 uses a tiny,
// regular subset: elements, text, entities, an optional declaration, namespaces.  No DTDs,
// no attributes we need (they are skipped), no mixed content worth keeping.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shardyfusion::s3 {

struct XmlNode {
  std::string name;  // local name: a namespace prefix "ns:" is dropped
  std::string text;  // character data directly inside, entities already decoded
  std::vector<XmlNode> children;

  // First child named `name`, or nullptr.
  const XmlNode* Child(std::string_view name) const;
  // Text of the first child named `name`, or "" when absent.
  std::string ChildText(std::string_view name) const;
  std::vector<const XmlNode*> ChildrenNamed(std::string_view name) const;
};

// Parses a document and returns its root element.  Throws ObjectStoreError on malformed
// input (truncated, mismatched tags, unknown entity).
XmlNode ParseXml(std::string_view document);

// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view text);

}  // namespace shardyfusion::s3
