// Manifest model conversions and ManifestStore (manifest.h, manifest_store.h) for Python.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "common.h"
#include "shardyfusion/manifest_store.h"

namespace shardy_py {

using namespace shardyfusion;

namespace {

template <typename T>
nb::object Opt(const std::optional<T>& v) {
  return v ? nb::cast(*v) : nb::none();
}

nb::object OptKey(const std::optional<Key>& k) { return k ? KeyToPy(*k) : nb::none(); }

nb::dict ShardingToPy(const ShardingSpec& s) {
  nb::dict d;
  d["strategy"] = s.strategy == ShardingStrategy::kHash ? "hash" : "cel";
  d["hash_algorithm"] = s.hash_algorithm;
  d["cel_expr"] = Opt(s.cel_expr);
  if (s.cel_columns) {
    nb::dict cols;
    for (const auto& [k, v] : *s.cel_columns) cols[k.c_str()] = v;
    d["cel_columns"] = cols;
  } else {
    d["cel_columns"] = nb::none();
  }
  if (s.routing_values) {
    nb::list values;
    for (const auto& k : *s.routing_values) values.append(KeyToPy(k));
    d["routing_values"] = values;
  } else {
    d["routing_values"] = nb::none();
  }
  return d;
}

}  // namespace

nb::dict ShardMetaToPy(const RequiredShardMeta& s) {
  nb::dict d;
  d["db_id"] = s.db_id;
  d["db_url"] = Opt(s.db_url);
  d["attempt"] = s.attempt;
  d["row_count"] = s.row_count;
  d["db_bytes"] = s.db_bytes;
  d["min_key"] = OptKey(s.min_key);
  d["max_key"] = OptKey(s.max_key);
  d["checkpoint_id"] = Opt(s.checkpoint_id);
  nb::dict w;
  w["attempt"] = s.writer_info.attempt;
  w["duration_ms"] = s.writer_info.duration_ms;
  w["stage_id"] = Opt(s.writer_info.stage_id);
  w["task_attempt_id"] = Opt(s.writer_info.task_attempt_id);
  d["writer_info"] = w;
  return d;
}

nb::dict BuildMetaToPy(const RequiredBuildMeta& b) {
  nb::dict d;
  d["run_id"] = b.run_id;
  d["created_at"] = MicrosFromTimestamp(b.created_at);
  d["num_dbs"] = b.num_dbs;
  d["s3_prefix"] = b.s3_prefix;
  d["key_col"] = b.key_col;
  d["sharding"] = ShardingToPy(b.sharding);
  d["db_path_template"] = b.db_path_template;
  d["shard_prefix"] = b.shard_prefix;
  d["format_version"] = b.format_version;
  d["key_encoding"] = std::string(KeyEncodingName(b.key_encoding));
  return d;
}

nb::dict ManifestToPy(const ParsedManifest& m) {
  nb::dict d;
  d["required_build"] = BuildMetaToPy(m.build);
  nb::list shards;
  for (const auto& s : m.shards) shards.append(ShardMetaToPy(s));
  d["shards"] = shards;
  d["custom_json"] = m.custom_json;
  return d;
}

nb::tuple ManifestRefToPy(const ManifestRef& r) {
  return nb::make_tuple(r.ref, r.run_id, MicrosFromTimestamp(r.published_at));
}

void RegisterManifest(nb::module_& m) {
  nb::class_<ManifestStore>(m, "ManifestStore",
                            "Where manifests and the _CURRENT pointer live (thread-safe). "
                            "Use shardyfusion.S3ManifestStore / InMemoryManifestStore to make one.")
      .def(
          "load_current",
          [](ManifestStore& s) -> nb::object {
            std::optional<ManifestRef> ref;
            {
              nb::gil_scoped_release release;
              ref = s.LoadCurrent();
            }
            return ref ? nb::object(ManifestRefToPy(*ref)) : nb::none();
          },
          "(ref, run_id, published_at_us) of _CURRENT, or None.")
      .def(
          "load_manifest",
          [](ManifestStore& s, const std::string& ref) {
            ParsedManifest parsed;
            {
              nb::gil_scoped_release release;
              parsed = s.LoadManifest(ref);
            }
            return ManifestToPy(parsed);
          },
          nb::arg("ref"), "The parsed manifest at `ref` as a dict.")
      .def(
          "list_manifests",
          [](ManifestStore& s, size_t limit) {
            std::vector<ManifestRef> refs;
            {
              nb::gil_scoped_release release;
              refs = s.ListManifests(limit);
            }
            nb::list out;
            for (const auto& r : refs) out.append(ManifestRefToPy(r));
            return out;
          },
          nb::arg("limit") = 10, "Newest first: [(ref, run_id, published_at_us)].")
      .def("set_current", &ManifestStore::SetCurrent, nb::arg("ref"),
           nb::arg("expected_current") = std::nullopt, nb::call_guard<nb::gil_scoped_release>(),
           "Point _CURRENT at `ref` (publish and rollback).")
      .def_prop_ro("root_url", &ManifestStore::root_url,
                   "The root URL this store publishes under.");

  m.def(
      "make_object_manifest_store",
      [](const std::string& root_url, nb::handle s3_options, const std::string& manifest_name,
         const std::string& current_pointer_key) {
        auto resolver = ResolverFromPy(s3_options);
        ManifestStoreOptions options{manifest_name, current_pointer_key};
        nb::gil_scoped_release release;
        return MakeObjectManifestStore(*resolver, root_url, options);
      },
      nb::arg("root_url"), nb::arg("s3_options").none() = nb::none(),
      nb::arg("manifest_name") = "manifest", nb::arg("current_pointer_key") = "_CURRENT",
      "A manifest store over the object store at `root_url`.");
  m.def("make_in_memory_manifest_store", &MakeInMemoryManifestStore,
        "A manifest store held in memory (tests).");

  m.def(
      "parse_manifest",
      [](nb::bytes payload) {
        return ManifestToPy(ParseSqliteManifest(std::string_view(payload.c_str(), payload.size())));
      },
      nb::arg("payload"),
      "Parse and validate a SQLite manifest image (ManifestParseError on any problem).");
  m.def(
      "parse_current_pointer",
      [](nb::bytes body) {
        CurrentPointer p = ParseCurrentPointer(std::string_view(body.c_str(), body.size()));
        nb::dict d;
        d["format_version"] = p.format_version;
        d["manifest_content_type"] = p.manifest_content_type;
        d["manifest_ref"] = p.manifest_ref;
        d["run_id"] = p.run_id;
        d["updated_at"] = MicrosFromTimestamp(p.updated_at);
        return d;
      },
      nb::arg("body"), "Parse a _CURRENT pointer body.");
}

}  // namespace shardy_py
