//! Process-wide counters proving that shards share one runtime and one client per store.

use crate::runtime::{self, READERS_LIVE};
use crate::stores;
use std::sync::atomic::Ordering;

#[repr(C)]
pub struct SfsStats {
    pub runtimes_live: u64,
    pub runtimes_created: u64,
    pub clients_live: u64,
    pub clients_created: u64,
    pub writers_live: u64,
    pub readers_live: u64,
}

#[no_mangle]
pub unsafe extern "C" fn sfs_stats(out: *mut SfsStats) {
    *out = SfsStats {
        runtimes_live: runtime::live_runtimes(),
        runtimes_created: runtime::RUNTIMES_CREATED.load(Ordering::Relaxed),
        clients_live: stores::live_clients(),
        clients_created: stores::CLIENTS_CREATED.load(Ordering::Relaxed),
        writers_live: runtime::WRITERS_LIVE.load(Ordering::Relaxed),
        readers_live: READERS_LIVE.load(Ordering::Relaxed),
    };
}
