//! Storage URL -> object store.  One client per (bucket, endpoint, credentials) and one
//! for the local file system, shared by every shard; each shard sees it through a
//! `PrefixStore` rooted at its URL, so SlateDB opens it with an empty path (format.md §5).

use crate::error::{SfsError, SfsResult};
use crate::ffi::opt_str;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};

/// S3 connection settings from C; NULL / "" strings mean "not set".
#[repr(C)]
pub struct SfsStoreOptions {
    pub endpoint: *const c_char,
    pub region: *const c_char,
    pub access_key_id: *const c_char,
    pub secret_access_key: *const c_char,
    pub session_token: *const c_char,
    pub path_style: i32,
    pub allow_http: i32,
}

#[derive(Default, Clone)]
pub struct S3Settings {
    endpoint: Option<String>,
    region: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    session_token: Option<String>,
    path_style: bool,
    allow_http: bool,
}

impl S3Settings {
    pub unsafe fn from_c(o: *const SfsStoreOptions) -> SfsResult<Self> {
        if o.is_null() {
            return Ok(Self::default());
        }
        let o = &*o;
        let own = |p, what| opt_str(p, what).map(|s| s.map(str::to_owned));
        Ok(S3Settings {
            endpoint: own(o.endpoint, "endpoint")?,
            region: own(o.region, "region")?,
            access_key_id: own(o.access_key_id, "access_key_id")?,
            secret_access_key: own(o.secret_access_key, "secret_access_key")?,
            session_token: own(o.session_token, "session_token")?,
            path_style: o.path_style != 0,
            allow_http: o.allow_http != 0,
        })
    }

    // Everything that makes two clients different; the secret is part of it because two
    // callers with different credentials must not share a signed client.
    fn client_key(&self, bucket: &str) -> String {
        format!(
            "s3\0{bucket}\0{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{}\0{}",
            self.endpoint,
            self.region,
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.path_style,
            self.allow_http
        )
    }

    fn build(&self, bucket: &str) -> SfsResult<Arc<dyn ObjectStore>> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(self.region.clone().unwrap_or_else(|| "us-east-1".into()))
            .with_virtual_hosted_style_request(!self.path_style)
            .with_allow_http(self.allow_http);
        if let Some(e) = &self.endpoint {
            b = b.with_endpoint(e);
        }
        if let Some(v) = &self.access_key_id {
            b = b.with_access_key_id(v);
        }
        if let Some(v) = &self.secret_access_key {
            b = b.with_secret_access_key(v);
        }
        if let Some(v) = &self.session_token {
            b = b.with_token(v);
        }
        let s3 = b.build().map_err(|e| SfsError::invalid(format!("S3 client for bucket {bucket}: {e}")))?;
        let client: Arc<dyn ObjectStore> = Arc::new(s3);
        Ok(client)
    }
}

static CLIENTS: LazyLock<Mutex<HashMap<String, Weak<dyn ObjectStore>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
pub static CLIENTS_CREATED: AtomicU64 = AtomicU64::new(0);

fn shared_client(key: String, make: impl FnOnce() -> SfsResult<Arc<dyn ObjectStore>>) -> SfsResult<Arc<dyn ObjectStore>> {
    let mut clients = CLIENTS.lock();
    clients.retain(|_, w| w.strong_count() > 0);
    if let Some(c) = clients.get(&key).and_then(Weak::upgrade) {
        return Ok(c);
    }
    let c = make()?;
    CLIENTS_CREATED.fetch_add(1, Ordering::Relaxed);
    clients.insert(key, Arc::downgrade(&c));
    Ok(c)
}

/// Clients still held by an open writer or reader (or one of their background tasks).
pub fn live_clients() -> u64 {
    CLIENTS.lock().values().filter(|w| w.strong_count() > 0).count() as u64
}

/// Where a database lives: its store rooted at the database directory.
pub struct Location {
    pub store: Arc<dyn ObjectStore>,
}

/// `s3://bucket/prefix`, `file:///abs/dir` or `/abs/dir`.
pub fn open(url: &str, s3: &S3Settings) -> SfsResult<Location> {
    let url = url.trim_end_matches('/');
    let (client, prefix) = if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(SfsError::invalid(format!("no bucket in {url}")));
        }
        (shared_client(s3.client_key(bucket), || s3.build(bucket))?, key.to_owned())
    } else {
        let path = url.strip_prefix("file://").unwrap_or(url);
        if !path.starts_with('/') {
            return Err(SfsError::invalid(format!("{url} is neither s3:// nor an absolute local path")));
        }
        let fs = shared_client("file".into(), || {
            let fs: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
            Ok(fs)
        })?;
        (fs, path.trim_start_matches('/').to_owned())
    };
    let prefix = Path::parse(&prefix).map_err(|e| SfsError::invalid(format!("{url}: {e}")))?;
    Ok(Location { store: Arc::new(PrefixStore::new(client, prefix)) })
}
