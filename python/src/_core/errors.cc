// C++ ShardyfusionError -> the Python exception class of the same name (shardyfusion.errors),
// carrying the C++ retryable() flag (and manifest_ref for PublishCurrentError).
#include "shardyfusion/errors.h"

#include <nanobind/stl/string.h>

#include <optional>

#include "common.h"

namespace shardy_py {
namespace {

void Raise(const shardyfusion::ShardyfusionError& e,
           const std::optional<std::string>& manifest_ref) {
  PyObject* module = PyImport_ImportModule("shardyfusion.errors");
  if (!module) {  // should not happen: the package imports it first
    PyErr_Clear();
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return;
  }
  nb::object errors = nb::steal(module);
  nb::object cls = nb::getattr(errors, e.name(), nb::none());
  if (cls.is_none()) cls = errors.attr("ShardyfusionError");
  nb::object instance;
  try {
    instance = manifest_ref ? cls(e.what(), nb::arg("retryable") = e.retryable(),
                                  nb::arg("manifest_ref") = *manifest_ref)
                            : cls(e.what(), nb::arg("retryable") = e.retryable());
  } catch (nb::python_error& err) {
    err.restore();
    return;
  }
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
}

}  // namespace

void RegisterErrors(nb::module_& m) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const shardyfusion::PublishCurrentError& e) {
      Raise(e, e.manifest_ref());
    } catch (const shardyfusion::ShardyfusionError& e) {
      Raise(e, std::nullopt);
    }
  });

  // Lets tests check the mapping of every C++ class without staging each failure.
  m.def(
      "_raise_cpp_error",
      [](const std::string& name, const std::string& message) {
        using namespace shardyfusion;
#define SHARDY_RAISE(N) \
  if (name == #N) throw N(message);
        SHARDY_RAISE(ShardyfusionError)
        SHARDY_RAISE(ConfigValidationError)
        SHARDY_RAISE(KeyEncodingError)
        SHARDY_RAISE(ShardAssignmentError)
        SHARDY_RAISE(ShardCoverageError)
        SHARDY_RAISE(DbAdapterError)
        SHARDY_RAISE(BridgeTimeoutError)
        SHARDY_RAISE(ManifestBuildError)
        SHARDY_RAISE(PublishManifestError)
        SHARDY_RAISE(ManifestParseError)
        SHARDY_RAISE(ReaderStateError)
        SHARDY_RAISE(PoolExhaustedError)
        SHARDY_RAISE(ManifestStoreError)
        SHARDY_RAISE(ShardWriteError)
        SHARDY_RAISE(S3TransientError)
        SHARDY_RAISE(UnknownRoutingTokenError)
        SHARDY_RAISE(SqliteAdapterError)
        SHARDY_RAISE(ObjectStoreError)
        SHARDY_RAISE(ObjectNotFoundError)
        SHARDY_RAISE(PreconditionFailedError)
#undef SHARDY_RAISE
        if (name == "PublishCurrentError") throw PublishCurrentError(message, "mem://manifests/x");
        throw std::invalid_argument("unknown error class " + name);
      },
      nb::arg("name"), nb::arg("message"),
      "Throw the named C++ error (tests of the error mapping).");
}

}  // namespace shardy_py
