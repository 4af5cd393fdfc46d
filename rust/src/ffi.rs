//! Plumbing shared by the exported functions: C strings, byte buffers handed to C, and the
//! guard that turns errors and panics into a code plus an owned message.

use crate::error::{SfsError, SfsResult, INTERNAL, OK};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A borrowed byte string from C.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SfsSlice {
    pub data: *const u8,
    pub len: usize,
}

impl SfsSlice {
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.data, self.len)
        }
    }
}

/// Bytes owned by Rust, released with `sfs_bytes_free`.
#[repr(C)]
pub struct SfsBytes {
    pub data: *mut u8,
    pub len: usize,
}

impl SfsBytes {
    pub fn empty() -> Self {
        SfsBytes { data: std::ptr::null_mut(), len: 0 }
    }
    pub fn from_vec(v: Vec<u8>) -> Self {
        if v.is_empty() {
            return Self::empty();
        }
        let boxed = v.into_boxed_slice();
        let len = boxed.len();
        SfsBytes { data: Box::into_raw(boxed) as *mut u8, len }
    }
}

/// Many byte strings in one allocation: item i is `lens[i]` bytes of `data` after the
/// items before it; `lens[i] == SIZE_MAX` marks a missing item (a miss in a multi-get).
#[repr(C)]
pub struct SfsList {
    pub data: SfsBytes,
    pub lens: *mut usize,
    pub count: usize,
}

pub const MISSING: usize = usize::MAX;

impl SfsList {
    pub fn new(data: Vec<u8>, lens: Vec<usize>) -> Self {
        let count = lens.len();
        let lens = if count == 0 {
            std::ptr::null_mut()
        } else {
            Box::into_raw(lens.into_boxed_slice()) as *mut usize
        };
        SfsList { data: SfsBytes::from_vec(data), lens, count }
    }
}

pub unsafe fn slices<'a>(items: *const SfsSlice, n: usize) -> &'a [SfsSlice] {
    if n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(items, n)
    }
}

/// A required UTF-8 argument.
pub unsafe fn arg_str<'a>(p: *const c_char, what: &str) -> SfsResult<&'a str> {
    opt_str(p, what)?.ok_or_else(|| SfsError::invalid(format!("{what} is required")))
}

/// An optional UTF-8 argument: NULL and "" are both "not given".
pub unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> SfsResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    let s = CStr::from_ptr(p)
        .to_str()
        .map_err(|_| SfsError::invalid(format!("{what} is not valid UTF-8")))?;
    Ok(if s.is_empty() { None } else { Some(s) })
}

/// Runs `f`, reporting failure through `err_out` (a message the caller frees with
/// `sfs_string_free`).  A panic becomes INTERNAL instead of unwinding into C.
pub fn guard(err_out: *mut *mut c_char, f: impl FnOnce() -> SfsResult<()>) -> i32 {
    let result = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(SfsError::new(INTERNAL, format!("panic in slatedb bridge: {what}")))
        }
    };
    match result {
        Ok(()) => OK,
        Err(e) => {
            if !err_out.is_null() {
                let msg = CString::new(e.message.replace('\0', " ")).unwrap_or_default();
                unsafe { *err_out = msg.into_raw() };
            }
            e.code
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn sfs_string_free(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}

#[no_mangle]
pub unsafe extern "C" fn sfs_bytes_free(b: *mut SfsBytes) {
    if b.is_null() || (*b).data.is_null() {
        return;
    }
    let b = &mut *b;
    drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(b.data, b.len)));
    *b = SfsBytes::empty();
}

#[no_mangle]
pub unsafe extern "C" fn sfs_list_free(l: *mut SfsList) {
    if l.is_null() {
        return;
    }
    let l = &mut *l;
    sfs_bytes_free(&mut l.data);
    if !l.lens.is_null() {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(l.lens, l.count)));
    }
    l.lens = std::ptr::null_mut();
    l.count = 0;
}
