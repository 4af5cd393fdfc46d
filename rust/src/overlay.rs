//! A store that reads through to the published shard but keeps every write in memory.
//!
//! `DbReader` without an explicit checkpoint records a checkpoint by writing a new
//! manifest (and later refreshes it).  Published shards are immutable and readers may hold
//! read-only credentials, so those writes land in this per-reader overlay instead: the
//! reader sees its own checkpoint, the store never changes, and dropping the reader
//! forgets it.

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    Error, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore, PutMode,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use std::fmt;
use std::sync::Arc;

pub struct ReadOnlyOverlay {
    base: Arc<dyn ObjectStore>,
    writes: InMemory,
}

impl ReadOnlyOverlay {
    pub fn new(base: Arc<dyn ObjectStore>) -> Self {
        ReadOnlyOverlay { base, writes: InMemory::new() }
    }

    async fn exists(&self, location: &Path) -> Result<bool> {
        match self.head(location).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl fmt::Display for ReadOnlyOverlay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReadOnlyOverlay({})", self.base)
    }
}

impl fmt::Debug for ReadOnlyOverlay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn is_not_found(r: &Result<impl Sized>) -> bool {
    matches!(r, Err(Error::NotFound { .. }))
}

#[async_trait]
impl ObjectStore for ReadOnlyOverlay {
    async fn put_opts(&self, location: &Path, payload: PutPayload, opts: PutOptions) -> Result<PutResult> {
        // Create must still fail on an object of the published store (SlateDB relies on it
        // to pick the next manifest id); other modes just replace the overlay's copy.
        let mut opts = opts;
        if matches!(opts.mode, PutMode::Create) && self.exists(location).await? {
            return Err(Error::AlreadyExists { path: location.to_string(), source: "exists".into() });
        }
        opts.mode = PutMode::Overwrite;
        self.writes.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(&self, location: &Path, opts: PutMultipartOptions) -> Result<Box<dyn MultipartUpload>> {
        self.writes.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let r = self.writes.get_opts(location, options.clone()).await;
        if is_not_found(&r) {
            return self.base.get_opts(location, options).await;
        }
        r
    }

    async fn head(&self, location: &Path) -> Result<ObjectMeta> {
        let r = self.writes.head(location).await;
        if is_not_found(&r) {
            return self.base.head(location).await;
        }
        r
    }

    async fn delete(&self, location: &Path) -> Result<()> {
        self.writes.delete(location).await // the published store is never touched
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.writes.list(prefix).chain(self.base.list(prefix)).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let mut mine = self.writes.list_with_delimiter(prefix).await?;
        let base = self.base.list_with_delimiter(prefix).await?;
        mine.objects.extend(base.objects);
        for p in base.common_prefixes {
            if !mine.common_prefixes.contains(&p) {
                mine.common_prefixes.push(p);
            }
        }
        Ok(mine)
    }

    async fn copy(&self, from: &Path, to: &Path) -> Result<()> {
        let bytes = self.get(from).await?.bytes().await?;
        self.writes.put(to, bytes.into()).await.map(|_| ())
    }

    async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> Result<()> {
        if self.exists(to).await? {
            return Err(Error::AlreadyExists { path: to.to_string(), source: "exists".into() });
        }
        self.copy(from, to).await
    }
}
