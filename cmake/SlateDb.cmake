# The SlateDB shard backend: builds the Rust bridge crate in rust/ with cargo and exposes
# it as the imported static library `shardy_slatedb_ffi`.  On by default when cargo is
# found; without cargo the backend is simply off (choosing it throws a clear error).
#
# Cargo's target directory lives outside the clone (like ccache's cache), so a fresh
# clone or a CI run reuses the compiled dependencies: set SHARDY_CARGO_TARGET_DIR or
# CARGO_TARGET_DIR to move it.
find_program(SHARDY_CARGO cargo HINTS "$ENV{HOME}/.cargo/bin")
if(SHARDY_CARGO)
  set(_slatedb_default ON)
else()
  set(_slatedb_default OFF)
endif()
option(SHARDY_WITH_SLATEDB "Build the SlateDB shard backend (needs cargo)" ${_slatedb_default})

if(NOT SHARDY_WITH_SLATEDB)
  message(STATUS "SlateDB backend: off (cargo not found or SHARDY_WITH_SLATEDB=OFF)")
  return()
endif()
if(NOT SHARDY_CARGO)
  message(FATAL_ERROR "SHARDY_WITH_SLATEDB=ON needs cargo (install rustup, or turn it off)")
endif()

if(DEFINED ENV{CARGO_TARGET_DIR})
  set(_cargo_target_default "$ENV{CARGO_TARGET_DIR}")
else()
  set(_cargo_target_default "$ENV{HOME}/.cache/shardyfusion/cargo-target")
endif()
set(SHARDY_CARGO_TARGET_DIR "${_cargo_target_default}" CACHE PATH "cargo target directory for rust/")

set(_slatedb_lib "${SHARDY_CARGO_TARGET_DIR}/release/libshardyfusion_slatedb.a")
# Always runs: cargo itself decides (in about a second) whether anything changed.
# The compiler variables are cleared: crates with C parts (ring) rebuild, with everything
# above them, whenever CC/CFLAGS differ, so a clang fuzz build or a pip build would
# otherwise throw the shared target directory's work away each time.
add_custom_target(shardy_slatedb_crate
  COMMAND ${CMAKE_COMMAND} -E env CARGO_TARGET_DIR=${SHARDY_CARGO_TARGET_DIR}
          --unset=CC --unset=CXX --unset=CFLAGS --unset=CXXFLAGS --unset=CPPFLAGS --unset=LDFLAGS
          --unset=RUSTFLAGS
          ${SHARDY_CARGO} build --release --locked --manifest-path ${PROJECT_SOURCE_DIR}/rust/Cargo.toml
  BYPRODUCTS ${_slatedb_lib}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/rust
  COMMENT "cargo build (SlateDB bridge)"
  USES_TERMINAL)

add_library(shardy_slatedb_ffi STATIC IMPORTED GLOBAL)
set_target_properties(shardy_slatedb_ffi PROPERTIES
  IMPORTED_LOCATION ${_slatedb_lib}
  INTERFACE_INCLUDE_DIRECTORIES ${PROJECT_SOURCE_DIR}/rust/include
  # What the Rust standard library needs from the system (cargo --print native-static-libs).
  INTERFACE_LINK_LIBRARIES "Threads::Threads;dl;m;rt;util")
add_dependencies(shardy_slatedb_ffi shardy_slatedb_crate)
message(STATUS "SlateDB backend: on (cargo target dir ${SHARDY_CARGO_TARGET_DIR})")
