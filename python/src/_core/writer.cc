// write_hash_sharded / write_single_db over a Python iterable (writer.h).
//
// The C++ writer pulls records through a RecordSource on the calling thread.  Taking the
// GIL per record would serialize the whole build on Python, so the source refills a
// C++-side buffer one chunk at a time: it takes the GIL once, pulls `chunk_size` items from
// the iterator, calls key_fn / value_fn on each, converts the results, and releases the GIL
// again.  Between refills the writer (routing, encoding, shard threads) runs GIL-free.
#include "shardyfusion/writer.h"

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>

#include <stdexcept>
#include <vector>

#include "common.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"

namespace shardy_py {

using namespace shardyfusion;

namespace {

// Thrown through the C++ writer when a Python callback raised; the Python exception itself
// is kept by the source and re-raised once the writer has unwound.
struct PythonCallbackError : std::runtime_error {
  PythonCallbackError()
      : std::runtime_error("a Python callback (iterator, key_fn or value_fn) raised") {}
};

class ChunkedSource {
 public:
  ChunkedSource(nb::handle records, nb::handle key_fn, nb::handle value_fn, size_t chunk_size)
      : iter_(nb::steal(PyObject_GetIter(records.ptr()))),
        key_fn_(nb::borrow(key_fn)),
        value_fn_(nb::borrow(value_fn)),
        chunk_size_(chunk_size == 0 ? 1 : chunk_size) {
    if (!iter_.is_valid()) throw nb::python_error();
  }
  ~ChunkedSource() {  // the GIL is held here (the binding's frame)
    Py_XDECREF(err_type_);
    Py_XDECREF(err_value_);
    Py_XDECREF(err_tb_);
  }

  // Called by the writer on the calling thread, without the GIL.
  bool Next(Record& out) {
    if (pos_ == buffer_.size()) {
      if (done_) return false;
      Fill();
      if (buffer_.empty()) return false;
    }
    out = std::move(buffer_[pos_++]);
    return true;
  }

  bool has_python_error() const { return err_type_ != nullptr; }
  // With the GIL: re-raise the callback's exception.
  void RestorePythonError() {
    PyErr_Restore(err_type_, err_value_, err_tb_);
    err_type_ = err_value_ = err_tb_ = nullptr;
  }

 private:
  [[noreturn]] void Fail() {
    PyErr_Fetch(&err_type_, &err_value_, &err_tb_);
    throw PythonCallbackError();
  }

  void Fill() {
    nb::gil_scoped_acquire gil;
    buffer_.clear();
    pos_ = 0;
    if (PyErr_CheckSignals() != 0) Fail();  // Ctrl-C stops a long build between chunks
    buffer_.reserve(chunk_size_);
    for (size_t i = 0; i < chunk_size_; ++i) {
      PyObject* item = PyIter_Next(iter_.ptr());
      if (!item) {
        if (PyErr_Occurred()) Fail();
        done_ = true;
        break;
      }
      PyObject* k = PyObject_CallOneArg(key_fn_.ptr(), item);
      if (!k) {
        Py_DECREF(item);
        Fail();
      }
      PyObject* v = PyObject_CallOneArg(value_fn_.ptr(), item);
      Py_DECREF(item);
      if (!v) {
        Py_DECREF(k);
        Fail();
      }
      Record& r = buffer_.emplace_back();
      try {
        r.key = KeyFromPy(k);
      } catch (const KeyEncodingError& e) {
        Py_DECREF(k);
        Py_DECREF(v);
        throw KeyEncodingError("input row " + std::to_string(row_) + ": " + e.what());
      }
      Py_DECREF(k);
      if (!ValueFromPy(v, r.value)) {
        PyErr_Format(PyExc_TypeError, "value_fn must return bytes or str, got %s (input row %lld)",
                     Py_TYPE(v)->tp_name, static_cast<long long>(row_));
        Py_DECREF(v);
        Fail();
      }
      Py_DECREF(v);
      ++row_;
    }
  }

  nb::object iter_, key_fn_, value_fn_;
  size_t chunk_size_;
  std::vector<Record> buffer_;
  size_t pos_ = 0;
  bool done_ = false;
  int64_t row_ = 0;
  PyObject* err_type_ = nullptr;
  PyObject* err_value_ = nullptr;
  PyObject* err_tb_ = nullptr;
};

HashShardedWriteConfig ConfigFromPy(const nb::dict& d) {
  HashShardedWriteConfig c;
  c.storage.s3_prefix = Get<std::string>(d, "s3_prefix").value_or("");
  c.storage.resolver = ResolverFromPy(d.contains("s3_options") ? d["s3_options"] : nb::none());
  c.output.run_id = Get<std::string>(d, "run_id").value_or("");
  if (auto v = Get<std::string>(d, "db_path_template")) c.output.db_path_template = *v;
  if (auto v = Get<std::string>(d, "shard_prefix")) c.output.shard_prefix = *v;
  if (auto v = Get<std::string>(d, "run_registry_prefix")) c.output.run_registry_prefix = *v;
  c.output.local_root = Get<std::string>(d, "local_root").value_or("");
  if (d.contains("manifest_store") && !d["manifest_store"].is_none())
    c.manifest.store = nb::cast<std::shared_ptr<ManifestStore>>(d["manifest_store"]);
  if (auto v = Get<std::string>(d, "custom_fields_json")) c.manifest.custom_fields_json = *v;
  if (auto v = Get<std::string>(d, "key_encoding")) c.kv.key_encoding = ParseKeyEncoding(*v);
  if (auto v = Get<size_t>(d, "batch_size")) c.kv.batch_size = *v;
  if (auto v = Get<std::string>(d, "backend")) c.kv.backend = ParseShardBackend(*v, "kv.backend");
  if (auto v = Get<bool>(d, "slatedb_local_then_upload")) c.kv.slatedb.local_then_upload = *v;
  if (auto v = Get<std::map<std::string, std::string>>(d, "slatedb_settings")) c.kv.slatedb.settings = *v;
  c.sharding.num_dbs = Get<uint32_t>(d, "num_dbs");
  c.sharding.max_keys_per_shard = Get<uint64_t>(d, "max_keys_per_shard");
  if (d.contains("shard_retry") && !d["shard_retry"].is_none()) {
    nb::dict r = nb::cast<nb::dict>(d["shard_retry"]);
    c.shard_retry =
        RetryConfig{nb::cast<int>(r["max_retries"]), nb::cast<double>(r["initial_backoff_s"]),
                    nb::cast<double>(r["backoff_multiplier"])};
  } else {
    c.shard_retry = std::nullopt;
  }
  c.rate_limits.max_writes_per_second = Get<double>(d, "max_writes_per_second");
  c.rate_limits.max_write_bytes_per_second = Get<double>(d, "max_write_bytes_per_second");
  c.metrics =
      CollectorFromPy(d.contains("metrics_collector") ? d["metrics_collector"] : nb::none());
  if (auto v = Get<bool>(d, "enable_run_registry")) c.lifecycle.enable_run_registry = *v;
  c.writer_type = Get<std::string>(d, "writer_type").value_or("python");
  return c;
}

nb::dict ResultToPy(const BuildResult& r) {
  nb::dict d;
  d["run_id"] = r.run_id;
  nb::list winners;
  for (const auto& w : r.winners) winners.append(ShardMetaToPy(w));
  d["winners"] = winners;
  d["manifest_ref"] = r.manifest_ref;
  nb::dict durations;
  durations["sharding_ms"] = r.stats.durations.sharding_ms;
  durations["write_ms"] = r.stats.durations.write_ms;
  durations["manifest_ms"] = r.stats.durations.manifest_ms;
  durations["total_ms"] = r.stats.durations.total_ms;
  nb::dict stats;
  stats["durations"] = durations;
  stats["num_attempt_results"] = r.stats.num_attempt_results;
  stats["num_winners"] = r.stats.num_winners;
  stats["rows_written"] = r.stats.rows_written;
  d["stats"] = stats;
  d["run_record_ref"] = r.run_record_ref ? nb::cast(*r.run_record_ref) : nb::none();
  return d;
}

nb::dict Write(nb::handle records, nb::handle key_fn, nb::handle value_fn, const nb::dict& config,
               const nb::dict& options, bool single_db) {
  HashShardedWriteConfig cfg = ConfigFromPy(config);
  WriteOptions opts;
  if (auto v = Get<int>(options, "num_threads")) opts.num_threads = *v;
  if (auto v = Get<size_t>(options, "max_buffered_bytes")) opts.max_buffered_bytes = *v;
  opts.total_rows = Get<uint64_t>(options, "total_rows");
  const size_t chunk_size = Get<size_t>(options, "chunk_size").value_or(4096);

  ChunkedSource source(records, key_fn, value_fn, chunk_size);
  RecordSource pull = [&source](Record& out) { return source.Next(out); };
  BuildResult result;
  std::exception_ptr error;
  {
    nb::gil_scoped_release release;
    try {
      result = single_db ? WriteSingleDb(pull, cfg, opts) : WriteHashSharded(pull, cfg, opts);
    } catch (...) {
      error = std::current_exception();
    }
    cfg = HashShardedWriteConfig{};  // drop the collector and stores while still GIL-free
  }
  if (source.has_python_error()) {
    source.RestorePythonError();
    throw nb::python_error();
  }
  if (error) std::rethrow_exception(error);
  return ResultToPy(result);
}

}  // namespace

void RegisterWriter(nb::module_& m) {
  m.def(
      "write_hash_sharded",
      [](nb::handle records, nb::handle key_fn, nb::handle value_fn, const nb::dict& config,
         const nb::dict& options) {
        return Write(records, key_fn, value_fn, config, options, false);
      },
      nb::arg("records"), nb::arg("key_fn"), nb::arg("value_fn"), nb::arg("config"),
      nb::arg("options"),
      "Build and publish a HASH-sharded snapshot from a Python iterable (see "
      "shardyfusion.writer.python).");
  m.def(
      "write_single_db",
      [](nb::handle records, nb::handle key_fn, nb::handle value_fn, const nb::dict& config,
         const nb::dict& options) {
        return Write(records, key_fn, value_fn, config, options, true);
      },
      nb::arg("records"), nb::arg("key_fn"), nb::arg("value_fn"), nb::arg("config"),
      nb::arg("options"), "Build and publish a one-shard snapshot from a Python iterable.");
}

}  // namespace shardy_py
