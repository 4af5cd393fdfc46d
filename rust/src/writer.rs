//! Writer handle: one SlateDB database being built at a shard's attempt URL.
//!
//! Batches are written without waiting for durability (the WAL is flushed in the
//! background and for certain at `sfs_writer_flush`), so a batch costs memory work only.

use crate::error::{SfsError, SfsResult, INVALID};
use crate::ffi::{arg_str, guard, opt_str, slices, SfsSlice};
use crate::runtime::{self, WRITERS_LIVE};
use crate::settings;
use crate::stores::{self, S3Settings, SfsStoreOptions};
use slatedb::config::{FlushOptions, FlushType, WriteOptions};
use slatedb::{Db, WriteBatch};
use std::ffi::c_char;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::runtime::Runtime;

pub struct SfsWriter {
    db: Option<Db>,
    url: String,
    // Dropped after `db` (field order) so the database's tasks end on a live runtime.
    runtime: Arc<Runtime>,
}

impl Drop for SfsWriter {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            // Abandoned without close: stop the background tasks, keep nothing.
            let _ = self.runtime.block_on(db.close());
        }
        WRITERS_LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SfsWriter {
    fn db(&self) -> SfsResult<&Db> {
        self.db.as_ref().ok_or_else(|| SfsError::new(INVALID, format!("writer for {} is closed", self.url)))
    }
}

/// Opens (creating) the database rooted at `url`.  `settings_json` is NULL or a JSON object
/// of dotted-key overrides.
#[no_mangle]
pub unsafe extern "C" fn sfs_writer_open(
    url: *const c_char,
    store: *const SfsStoreOptions,
    settings_json: *const c_char,
    out: *mut *mut SfsWriter,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let url = arg_str(url, "url")?;
        let s3 = S3Settings::from_c(store)?;
        let settings = match opt_str(settings_json, "settings")? {
            Some(json) => settings::from_overrides(json)?,
            None => slatedb::Settings::default(),
        };
        let location = stores::open(url, &s3)?;
        let runtime = runtime::shared().map_err(|e| SfsError::new(crate::error::INTERNAL, e))?;
        let db = runtime
            .block_on(Db::builder("", location.store).with_settings(settings).with_db_cache_disabled().build())
            .map_err(|e| SfsError::from(e).context(url))?;
        WRITERS_LIVE.fetch_add(1, Ordering::Relaxed);
        *out = Box::into_raw(Box::new(SfsWriter { db: Some(db), url: url.to_owned(), runtime }));
        Ok(())
    })
}

/// Puts `n` (key, value) pairs as one atomic batch.
#[no_mangle]
pub unsafe extern "C" fn sfs_writer_put_batch(
    w: *mut SfsWriter,
    keys: *const SfsSlice,
    values: *const SfsSlice,
    n: usize,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let w = &*w;
        let db = w.db()?;
        let mut batch = WriteBatch::new();
        for (k, v) in slices(keys, n).iter().zip(slices(values, n)) {
            batch.put(k.as_bytes(), v.as_bytes());
        }
        let mut opts = WriteOptions::default();
        opts.await_durable = false;
        w.runtime.block_on(db.write_with_options(batch, &opts)).map_err(|e| SfsError::from(e).context(&w.url))?;
        Ok(())
    })
}

/// Makes everything written so far durable in the WAL.
#[no_mangle]
pub unsafe extern "C" fn sfs_writer_flush(w: *mut SfsWriter, err: *mut *mut c_char) -> i32 {
    guard(err, || {
        let w = &*w;
        let db = w.db()?;
        w.runtime
            .block_on(db.flush_with_options(FlushOptions { flush_type: FlushType::Wal }))
            .map_err(|e| SfsError::from(e).context(&w.url))
    })
}

/// Shuts the database down cleanly.  The handle stays valid (for `sfs_writer_free`).
#[no_mangle]
pub unsafe extern "C" fn sfs_writer_close(w: *mut SfsWriter, err: *mut *mut c_char) -> i32 {
    guard(err, || {
        let w = &mut *w;
        match w.db.take() {
            Some(db) => w.runtime.block_on(db.close()).map_err(|e| SfsError::from(e).context(&w.url)),
            None => Ok(()),
        }
    })
}

/// Releases the handle (closing first, errors ignored, if `sfs_writer_close` was not called).
#[no_mangle]
pub unsafe extern "C" fn sfs_writer_free(w: *mut SfsWriter) {
    if !w.is_null() {
        drop(Box::from_raw(w));
    }
}
