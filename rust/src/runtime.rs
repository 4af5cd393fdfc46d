//! One tokio runtime per process, shared by every open writer and reader and dropped when
//! the last of them closes.  Counters let tests prove the sharing (`sfs_stats`).

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::runtime::Runtime;

static RUNTIME: Mutex<Weak<Runtime>> = Mutex::new(Weak::new());
pub static RUNTIMES_CREATED: AtomicU64 = AtomicU64::new(0);
pub static WRITERS_LIVE: AtomicU64 = AtomicU64::new(0);
pub static READERS_LIVE: AtomicU64 = AtomicU64::new(0);

// Two workers: the calls are mostly waiting on I/O, and the machines are small.
const WORKER_THREADS: usize = 2;

/// The shared runtime, created on first use (or again after the last holder dropped it).
pub fn shared() -> std::io::Result<Arc<Runtime>> {
    let mut slot = RUNTIME.lock();
    if let Some(rt) = slot.upgrade() {
        return Ok(rt);
    }
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("shardy-slatedb")
            .enable_all()
            .build()?,
    );
    RUNTIMES_CREATED.fetch_add(1, Ordering::Relaxed);
    *slot = Arc::downgrade(&rt);
    Ok(rt)
}

/// 1 while any handle holds the runtime, else 0.
pub fn live_runtimes() -> u64 {
    (RUNTIME.lock().strong_count() > 0) as u64
}
