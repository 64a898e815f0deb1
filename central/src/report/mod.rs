//! Rendering the [`Estate`]: the HTML board pack and the same data as CSV, XLSX and JSON.

pub mod csv;
pub mod html;
pub mod json;
pub mod svg;
pub mod xlsx;

use crate::model::Estate;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "html" => Some(Self::Html),
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown table {0:?}: {tables}", tables = csv::TABLES.join(", "))]
    Table(String),
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
}

/// Renders `e` as `format` into bytes (`table` picks the CSV table).
pub fn render(
    e: &Estate,
    format: Format,
    table: &str,
    detail: &html::Detail,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Html => Ok(html::render(e, detail).into_bytes()),
        Format::Json => Ok(json::render(e)?),
        Format::Csv => csv::render(e, table),
        Format::Xlsx => Ok(xlsx::render(e)?),
    }
}
