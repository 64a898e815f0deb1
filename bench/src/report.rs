//! Results: every run kept as JSON, and per (fleet size, tool) the median and min–max of each
//! figure as a Markdown table row.

use std::fmt::Write as _;

use crate::measure::{UdpCounters, Usage};
use crate::score::Score;

/// One measured run of one tool.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Run {
    pub(crate) usage: Usage,
    pub(crate) score: Score,
    /// Scanner-namespace counters after minus before.
    pub(crate) udp: UdpCounters,
    /// Set when the tool's output could not be read at all.
    pub(crate) error: Option<String>,
}

/// Every run of one tool on one fleet.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Series {
    pub(crate) scenario: String,
    pub(crate) cameras: usize,
    pub(crate) tool: String,
    pub(crate) wait: String,
    pub(crate) runs: Vec<Run>,
}

/// Median and range of one figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Spread {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Spread {
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Some(Self {
            median,
            min: v[0],
            max: v[v.len() - 1],
        })
    }

    /// `1.23 (1.20–1.31)`, or just `1.23` when every run agreed to the shown precision.
    fn show(&self, decimals: usize) -> String {
        let m = format!("{:.*}", decimals, self.median);
        let lo = format!("{:.*}", decimals, self.min);
        let hi = format!("{:.*}", decimals, self.max);
        if lo == hi {
            m
        } else {
            format!("{m} ({lo}–{hi})")
        }
    }
}

impl Series {
    fn spread(&self, f: impl Fn(&Run) -> f64) -> String {
        self.spread_with(f, 2)
    }

    fn spread_with(&self, f: impl Fn(&Run) -> f64, decimals: usize) -> String {
        Spread::of(self.runs.iter().map(f)).map_or_else(|| "–".to_owned(), |s| s.show(decimals))
    }

    /// `| N | tool | wall s | CPU s | peak RSS MB | found | identified | wrong | UDP drops | runs |`
    pub(crate) fn row(&self) -> String {
        let first = self.runs.first();
        let identifiable = first.map_or(0, |r| r.score.identifiable);
        let timeouts = self.runs.iter().filter(|r| r.usage.timed_out).count();
        let failures = self.runs.iter().filter(|r| r.error.is_some()).count();
        let mut runs = self.runs.len().to_string();
        if timeouts > 0 {
            let _ = write!(runs, ", {timeouts} timed out");
        }
        if failures > 0 {
            let _ = write!(runs, ", {failures} unreadable");
        }
        format!(
            "| {} | {} | {} | {} | {} | {} | {} / {} | {} / {} | {} | {} | {} |",
            self.cameras,
            self.tool,
            self.wait,
            self.spread(|r| r.usage.wall_s),
            self.spread(|r| r.usage.cpu_s()),
            self.spread_with(|r| r.usage.max_rss_kb as f64 / 1024.0, 1),
            self.spread_with(|r| r.score.found as f64, 0),
            self.cameras,
            self.spread_with(|r| r.score.identified as f64, 0),
            identifiable,
            self.spread_with(|r| r.score.wrong as f64, 0),
            self.spread_with(|r| r.udp.rcvbuf_errors as f64, 0),
            runs,
        )
    }
}

pub(crate) const HEADER: &str = "| cameras | tool | wait | wall s | CPU s (user+sys) | peak RSS MB | \
found / N | fully identified / identifiable | wrong identities | UDP RcvbufErrors | runs |\n\
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|";

/// The table for a set of series, one row each, in the given order.
pub(crate) fn table(series: &[Series]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for s in series {
        out.push_str(&s.row());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_range() {
        let s = Spread::of([3.0, 1.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Spread::of([4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert!(Spread::of([]).is_none());
        assert_eq!(Spread::of([1.0, 1.0]).unwrap().show(2), "1.00");
        assert_eq!(
            Spread::of([1.0, 1.5, 2.0]).unwrap().show(1),
            "1.5 (1.0–2.0)"
        );
    }

    #[test]
    fn rows_carry_every_figure() {
        let run = |wall: f64, found: usize, drops: u64| Run {
            usage: Usage {
                wall_s: wall,
                user_s: 0.1,
                sys_s: 0.05,
                max_rss_kb: 10_240,
                exit: 0,
                timed_out: false,
            },
            score: Score {
                cameras: 250,
                identifiable: 247,
                found,
                identified: found - 3,
                ..Score::default()
            },
            udp: UdpCounters {
                rcvbuf_errors: drops,
                in_errors: drops,
            },
            error: None,
        };
        let s = Series {
            scenario: "stragglers".into(),
            cameras: 250,
            tool: "camaudit".into(),
            wait: "1s".into(),
            runs: vec![run(1.6, 250, 0), run(1.5, 250, 0), run(1.7, 249, 2)],
        };
        assert_eq!(
            s.row(),
            "| 250 | camaudit | 1s | 1.60 (1.50–1.70) | 0.15 | 10.0 | 250 (249–250) / 250 | \
             247 (246–247) / 247 | 0 | 0 (0–2) | 3 |"
        );
        assert!(table(&[s]).starts_with("| cameras |"));
    }
}
