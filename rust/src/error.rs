//! Error codes shared with C (keep in sync with SFS_* in the header).

use std::fmt::Display;

pub const OK: i32 = 0;
pub const INVALID: i32 = 1; // bad argument, URL or setting
pub const UNAVAILABLE: i32 = 2; // store or network trouble: retryable
pub const NOT_FOUND: i32 = 3; // no SlateDB database at the URL
pub const DATA: i32 = 4; // persisted data unreadable or of an unknown format
pub const CLOSED: i32 = 5; // the database was closed or fenced
pub const INTERNAL: i32 = 6; // anything else (including a caught panic)

#[derive(Debug)]
pub struct SfsError {
    pub code: i32,
    pub message: String,
}

impl SfsError {
    pub fn new(code: i32, message: impl Display) -> Self {
        SfsError { code, message: message.to_string() }
    }
    pub fn invalid(message: impl Display) -> Self {
        Self::new(INVALID, message)
    }
}

impl From<slatedb::Error> for SfsError {
    fn from(e: slatedb::Error) -> Self {
        use slatedb::ErrorKind;
        let code = match e.kind() {
            ErrorKind::Unavailable => UNAVAILABLE,
            ErrorKind::Invalid => INVALID,
            ErrorKind::Data => DATA,
            ErrorKind::Closed(_) => CLOSED,
            _ => INTERNAL,
        };
        SfsError::new(code, e)
    }
}

impl From<object_store::Error> for SfsError {
    fn from(e: object_store::Error) -> Self {
        use object_store::Error as E;
        let code = match &e {
            E::NotFound { .. } => NOT_FOUND,
            E::InvalidPath { .. } | E::NotSupported { .. } | E::UnknownConfigurationKey { .. } => INVALID,
            E::PermissionDenied { .. } | E::Unauthenticated { .. } => INVALID,
            _ => UNAVAILABLE,
        };
        SfsError::new(code, e)
    }
}

pub type SfsResult<T> = Result<T, SfsError>;

impl SfsError {
    /// Prefixes the message with the database URL it concerns.
    pub fn context(mut self, url: &str) -> Self {
        self.message = format!("slatedb {url}: {}", self.message);
        self
    }
}
