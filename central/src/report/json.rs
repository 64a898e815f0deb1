//! The estate as one JSON document (schema `camaudit.central.estate/1`), for SIEMs and scripts.

use crate::model::Estate;

pub fn render(e: &Estate) -> Result<Vec<u8>, serde_json::Error> {
    let mut v = serde_json::to_vec_pretty(e)?;
    v.push(b'\n');
    Ok(v)
}
