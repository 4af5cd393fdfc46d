//! C ABI over the `slatedb` crate for shardyfusion's SlateDB shard backend.
//!
//! The C++ side (src/slatedb/) calls these functions; `include/shardyfusion_slatedb.h` is
//! the contract.  Every call blocks the calling thread on one process-wide tokio runtime,
//! and every shard on the same store shares one object-store client (see `runtime` and
//! `stores`).  Errors come back as a code plus a message; nothing panics across the ABI.

mod error;
mod ffi;
mod overlay;
mod reader;
mod runtime;
mod settings;
mod stats;
mod stores;
mod writer;
