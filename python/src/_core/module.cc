// shardyfusion._core: the nanobind extension over the C++ library.  The public Python API
// (shardyfusion/*.py) is a thin layer over these functions and classes.
#include "common.h"

NB_MODULE(_core, m) {
  m.doc() = "C++ core of shardyfusion (private: use the shardyfusion package API).";
  shardy_py::RegisterErrors(m);
  shardy_py::RegisterKeys(m);
  shardy_py::RegisterMetrics(m);
  shardy_py::RegisterManifest(m);
  shardy_py::RegisterWriter(m);
  shardy_py::RegisterReader(m);
}
