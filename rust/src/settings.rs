//! Writer settings as (dotted key, JSON literal) pairs applied on top of
//! `Settings::default()` (format.md §5: flush_interval, l0_sst_size_bytes, default_ttl, ...).

use crate::error::{SfsError, SfsResult};
use serde_json::{Map, Value};
use slatedb::Settings;

/// `overrides` is a JSON object {"dotted.key": <JSON value>, ...}; later keys win.
pub fn from_overrides(overrides: &str) -> SfsResult<Settings> {
    let pairs: Map<String, Value> = serde_json::from_str(overrides)
        .map_err(|e| SfsError::invalid(format!("slatedb settings must be a JSON object: {e}")))?;
    let mut tree = serde_json::to_value(Settings::default())
        .map_err(|e| SfsError::invalid(format!("cannot serialise default slatedb settings: {e}")))?;
    for (dotted, value) in pairs {
        let mut node = &mut tree;
        let parts: Vec<&str> = dotted.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if node.is_null() {
                *node = Value::Object(Map::new()); // e.g. an unset optional section
            }
            let obj = node
                .as_object_mut()
                .ok_or_else(|| SfsError::invalid(format!("slatedb setting {dotted}: {part} is not inside an object")))?;
            if i + 1 == parts.len() {
                obj.insert((*part).to_owned(), value.clone());
                break;
            }
            node = obj.entry((*part).to_owned()).or_insert_with(|| Value::Object(Map::new()));
        }
    }
    serde_json::from_value(tree).map_err(|e| SfsError::invalid(format!("slatedb settings {overrides}: {e}")))
}
