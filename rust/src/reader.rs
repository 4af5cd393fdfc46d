//! Reader handle: a read-only view of one published SlateDB database.
//!
//! Readers never write to the store (writes SlateDB makes for its own checkpoint go to a
//! per-reader overlay, see `overlay`).  Published shards never change, so the manifest is
//! polled rarely.  Block caches are shared by all readers given the same `SfsCache`.

use crate::error::{SfsError, SfsResult, INTERNAL, NOT_FOUND};
use crate::ffi::{arg_str, guard, opt_str, slices, SfsBytes, SfsList, SfsSlice, MISSING};
use crate::overlay::ReadOnlyOverlay;
use crate::runtime::{self, READERS_LIVE};
use crate::stores::{self, S3Settings, SfsStoreOptions};
use futures::stream::{self, StreamExt, TryStreamExt};
use object_store::path::Path;
use slatedb::config::{DbReaderOptions, ObjectStoreCacheOptions};
use slatedb::db_cache::moka::{MokaCache, MokaCacheOptions};
use slatedb::db_cache::{DbCache, SplitCache};
use slatedb::DbReader;
use std::ffi::c_char;
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

// How many lookups of one multi-get are in flight at once (they overlap on S3).
const MULTI_GET_CONCURRENCY: usize = 32;
// Immutable shards: nothing new to see, so poll (and renew the overlay checkpoint) rarely.
const MANIFEST_POLL: Duration = Duration::from_secs(3600);

/// A block + metadata cache shared by the readers opened with it.
pub struct SfsCache {
    cache: Arc<dyn DbCache>,
}

/// `block_bytes` for data blocks; index and filter blocks get a quarter of it on top.
#[no_mangle]
pub extern "C" fn sfs_cache_new(block_bytes: u64) -> *mut SfsCache {
    let moka = |bytes| -> Option<Arc<dyn DbCache>> {
        Some(Arc::new(MokaCache::new_with_opts(MokaCacheOptions { max_capacity: bytes, time_to_live: None, time_to_idle: None })))
    };
    let split = SplitCache::new().with_block_cache(moka(block_bytes)).with_meta_cache(moka((block_bytes / 4).max(1 << 20))).build();
    Box::into_raw(Box::new(SfsCache { cache: Arc::new(split) }))
}

#[no_mangle]
pub unsafe extern "C" fn sfs_cache_free(c: *mut SfsCache) {
    if !c.is_null() {
        drop(Box::from_raw(c));
    }
}

#[repr(C)]
pub struct SfsReaderOptions {
    pub cache: *const SfsCache, // NULL: no block cache
    // Local disk cache of object parts; NULL / "": none.
    pub disk_cache_dir: *const c_char,
    pub disk_cache_bytes: u64,
    pub part_size_bytes: u64, // unit of the disk cache's ranged GETs (multiple of 1 KiB)
}

pub struct SfsReader {
    db: Option<DbReader>,
    url: String,
    runtime: Arc<Runtime>, // after `db`: dropped last
}

impl Drop for SfsReader {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = self.runtime.block_on(db.close());
        }
        READERS_LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SfsReader {
    fn db(&self) -> SfsResult<&DbReader> {
        self.db.as_ref().ok_or_else(|| SfsError::new(crate::error::CLOSED, format!("reader for {} is closed", self.url)))
    }
    fn fail(&self, e: slatedb::Error) -> SfsError {
        SfsError::from(e).context(&self.url)
    }
}

unsafe fn reader_options(o: *const SfsReaderOptions) -> SfsResult<(DbReaderOptions, Option<Arc<dyn DbCache>>)> {
    let mut opts = DbReaderOptions::default();
    opts.manifest_poll_interval = MANIFEST_POLL;
    opts.checkpoint_lifetime = MANIFEST_POLL * 3;
    if o.is_null() {
        return Ok((opts, None));
    }
    let o = &*o;
    let cache = if o.cache.is_null() { None } else { Some((*o.cache).cache.clone()) };
    if let Some(dir) = opt_str(o.disk_cache_dir, "disk_cache_dir")? {
        let mut c = ObjectStoreCacheOptions::default();
        c.root_folder = Some(dir.into());
        if o.disk_cache_bytes > 0 {
            c.max_cache_size_bytes = Some(o.disk_cache_bytes as usize);
        }
        if o.part_size_bytes > 0 {
            if o.part_size_bytes % 1024 != 0 {
                return Err(SfsError::invalid(format!("part_size_bytes {} is not a multiple of 1024", o.part_size_bytes)));
            }
            c.part_size_bytes = o.part_size_bytes as usize;
        }
        opts.object_store_cache_options = c;
    }
    Ok((opts, cache))
}

#[no_mangle]
pub unsafe extern "C" fn sfs_reader_open(
    url: *const c_char,
    store: *const SfsStoreOptions,
    options: *const SfsReaderOptions,
    out: *mut *mut SfsReader,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let url = arg_str(url, "url")?;
        let s3 = S3Settings::from_c(store)?;
        let (opts, cache) = reader_options(options)?;
        let location = stores::open(url, &s3)?;
        let runtime = runtime::shared().map_err(|e| SfsError::new(INTERNAL, e))?;
        let db = runtime.block_on(async {
            // An absent database is an error here, not an empty one created in the overlay.
            let first = location.store.list(Some(&Path::from("manifest"))).try_next().await?;
            if first.is_none() {
                return Err(SfsError::new(NOT_FOUND, "no SlateDB database here (no manifest/)"));
            }
            let mut b = DbReader::builder("", Arc::new(ReadOnlyOverlay::new(location.store))).with_options(opts);
            b = match cache {
                Some(c) => b.with_db_cache(c),
                None => b.with_db_cache_disabled(),
            };
            b.build().await.map_err(SfsError::from)
        });
        let db = db.map_err(|e| e.context(url))?;
        READERS_LIVE.fetch_add(1, Ordering::Relaxed);
        *out = Box::into_raw(Box::new(SfsReader { db: Some(db), url: url.to_owned(), runtime }));
        Ok(())
    })
}

/// `*found` is 1 and `*value` owns the bytes on a hit; 0 on a miss.
#[no_mangle]
pub unsafe extern "C" fn sfs_reader_get(
    r: *mut SfsReader,
    key: SfsSlice,
    value: *mut SfsBytes,
    found: *mut i32,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let r = &*r;
        let db = r.db()?;
        let v = r.runtime.block_on(db.get(key.as_bytes())).map_err(|e| r.fail(e))?;
        *found = v.is_some() as i32;
        *value = v.map(|b| SfsBytes::from_vec(b.to_vec())).unwrap_or_else(SfsBytes::empty);
        Ok(())
    })
}

/// One result per key, in order; misses have length SIZE_MAX.
#[no_mangle]
pub unsafe extern "C" fn sfs_reader_get_many(
    r: *mut SfsReader,
    keys: *const SfsSlice,
    n: usize,
    out: *mut SfsList,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let r = &*r;
        let db = r.db()?;
        let keys = slices(keys, n);
        let values: Vec<Option<bytes::Bytes>> = r
            .runtime
            .block_on(stream::iter(keys.iter().map(|k| db.get(k.as_bytes()))).buffered(MULTI_GET_CONCURRENCY).try_collect())
            .map_err(|e| r.fail(e))?;
        let mut data = Vec::with_capacity(values.iter().flatten().map(|v| v.len()).sum());
        let mut lens = Vec::with_capacity(n);
        for v in values {
            match v {
                Some(v) => {
                    lens.push(v.len());
                    data.extend_from_slice(&v);
                }
                None => lens.push(MISSING),
            }
        }
        *out = SfsList::new(data, lens);
        Ok(())
    })
}

/// Up to `limit` rows of the half-open range [start, end) in key order; a NULL `start.data`
/// (with len 0) means unbounded below, likewise `end` above.  Continue after the last key
/// returned by passing it plus a 0x00 byte as the next start.
#[no_mangle]
pub unsafe extern "C" fn sfs_reader_scan(
    r: *mut SfsReader,
    start: SfsSlice,
    end: SfsSlice,
    limit: usize,
    keys_out: *mut SfsList,
    values_out: *mut SfsList,
    err: *mut *mut c_char,
) -> i32 {
    guard(err, || {
        let r = &*r;
        let db = r.db()?;
        let bound = |s: SfsSlice, inclusive: bool| {
            if s.data.is_null() {
                Bound::Unbounded
            } else if inclusive {
                Bound::Included(s.as_bytes().to_vec())
            } else {
                Bound::Excluded(s.as_bytes().to_vec())
            }
        };
        let range = (bound(start, true), bound(end, false));
        let (mut kd, mut kl, mut vd, mut vl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        r.runtime
            .block_on(async {
                let mut it = db.scan::<Vec<u8>, _>(range).await?;
                while kl.len() < limit {
                    let Some(kv) = it.next().await? else { break };
                    kl.push(kv.key.len());
                    kd.extend_from_slice(&kv.key);
                    vl.push(kv.value.len());
                    vd.extend_from_slice(&kv.value);
                }
                Ok::<_, slatedb::Error>(())
            })
            .map_err(|e| r.fail(e))?;
        *keys_out = SfsList::new(kd, kl);
        *values_out = SfsList::new(vd, vl);
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn sfs_reader_close(r: *mut SfsReader, err: *mut *mut c_char) -> i32 {
    guard(err, || {
        let r = &mut *r;
        match r.db.take() {
            Some(db) => r.runtime.block_on(db.close()).map_err(|e| r.fail(e)),
            None => Ok(()),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn sfs_reader_free(r: *mut SfsReader) {
    if !r.is_null() {
        drop(Box::from_raw(r));
    }
}
