//! Inline SVG charts: the burn-down, weekly removals against the required rate, the progress
//! bands and sparklines. Pure string building; sizes in user units, styled by the page's CSS.

use std::fmt::Write;

use crate::burndown::{Point, Projection};
use crate::programme::Programme;
use crate::state::Status;
use crate::time::{DAY, Ts};

/// The statuses stacked in the burn-down (what remains), bottom first, and their colours.
pub const STACK: [(Status, &str); 6] = [
    (Status::Identified, "#c0392b"),
    (Status::NotSeen, "#8e44ad"),
    (Status::Regressed, "#7b241c"),
    (Status::Isolated, "#e67e22"),
    (Status::Scheduled, "#f1c40f"),
    (Status::Removed, "#5dade2"),
];

struct Frame {
    w: f64,
    h: f64,
    left: f64,
    bottom: f64,
    t0: i64,
    t1: i64,
    ymax: f64,
}

impl Frame {
    fn x(&self, t: Ts) -> f64 {
        let span = (self.t1 - self.t0).max(1) as f64;
        self.left + (t.0 - self.t0) as f64 / span * (self.w - self.left - 10.0)
    }
    fn y(&self, v: f64) -> f64 {
        let top = 10.0;
        self.h - self.bottom - v / self.ymax.max(1.0) * (self.h - self.bottom - top)
    }
}

/// The programme burn-down: remaining by status (stacked), the ideal line to the deadline,
/// interim targets, the deadline and the projection.
pub fn burndown(
    series: &[Point],
    programme: Option<&Programme>,
    projection: Option<&Projection>,
) -> String {
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return empty("No history yet.");
    };
    let mut t1 = last.at.0;
    if let Some(p) = programme {
        t1 = t1.max(p.deadline.0);
    }
    // A projection far beyond the deadline is clipped (and labelled) rather than squeezing
    // the history into a sliver.
    let horizon = t1 + (t1 - first.at.0) / 5;
    if let Some(pc) = projection.and_then(|p| p.projected_completion) {
        t1 = t1.max(pc.0.min(horizon));
    }
    let ymax = series
        .iter()
        .map(|p| p.remaining())
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.1;
    let f = Frame {
        w: 900.0,
        h: 320.0,
        left: 50.0,
        bottom: 30.0,
        t0: first.at.0,
        t1: t1 + DAY,
        ymax,
    };
    let mut s = open(&f, "Burn-down: remaining restricted devices by status");
    axes(&mut s, &f);
    // Down-sampled to at most ~300 points so an estate with years of history stays small.
    let step = (series.len() / 300).max(1);
    let pts: Vec<&Point> = series
        .iter()
        .step_by(step)
        .chain(std::iter::once(last))
        .collect();
    let mut base = vec![0f64; pts.len()];
    for (status, colour) in STACK {
        let top: Vec<f64> = pts
            .iter()
            .zip(&base)
            .map(|(p, b)| b + f64::from(p.count(status)))
            .collect();
        let mut d = String::new();
        for (i, (p, v)) in pts.iter().zip(&top).enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                f.x(p.at),
                f.y(*v)
            );
        }
        for (p, v) in pts.iter().zip(&base).rev() {
            let _ = write!(d, "L{:.1},{:.1} ", f.x(p.at), f.y(*v));
        }
        let _ = write!(
            s,
            r#"<path d="{d}Z" fill="{colour}" fill-opacity="0.85"><title>{}</title></path>"#,
            status.as_str()
        );
        base = top;
    }
    if let Some(p) = programme {
        let start = first.at.max(p.baseline);
        let start_total = f64::from(
            crate::burndown::at(series, start)
                .unwrap_or(first)
                .remaining(),
        );
        let _ = write!(
            s,
            r#"<line class="ideal" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"><title>ideal</title></line>"#,
            f.x(start),
            f.y(start_total),
            f.x(p.deadline),
            f.y(0.0)
        );
        let dx = f.x(p.deadline);
        let _ = write!(
            s,
            r#"<line class="deadline" x1="{dx:.1}" y1="10" x2="{dx:.1}" y2="{:.1}"/><text x="{:.1}" y="22" class="lbl">deadline {}</text>"#,
            f.h - f.bottom,
            dx - 4.0,
            p.deadline.date()
        );
    }
    if let Some(pr) = projection {
        for t in &pr.targets {
            let _ = write!(
                s,
                r#"<circle class="target {}" cx="{:.1}" cy="{:.1}" r="5"><title>{}% by {}: {}</title></circle>"#,
                t.outcome,
                f.x(t.date),
                f.y(f64::from(t.remaining_allowed)),
                t.pct,
                t.date.date(),
                t.outcome
            );
        }
        if let Some(pc) = pr.projected_completion.filter(|_| pr.remaining > 0) {
            let end = Ts(pc.0.min(f.t1));
            let frac = if pc.0 > last.at.0 {
                (end.0 - last.at.0) as f64 / (pc.0 - last.at.0) as f64
            } else {
                1.0
            };
            let v_end = f64::from(pr.remaining) * (1.0 - frac);
            let _ = write!(
                s,
                r#"<line class="projection" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"><title>projection at the trailing rate</title></line><text class="lbl" x="{:.1}" y="{:.1}" text-anchor="end">projected {}</text>"#,
                f.x(last.at),
                f.y(f64::from(pr.remaining)),
                f.x(end),
                f.y(v_end),
                f.x(end) - 2.0,
                f.y(v_end) - 6.0,
                pc.date()
            );
        }
    }
    let _ = write!(
        s,
        r#"<line class="now" x1="{x:.1}" y1="10" x2="{x:.1}" y2="{:.1}"/>"#,
        f.h - f.bottom,
        x = f.x(last.at)
    );
    ticks(&mut s, &f);
    s.push_str("</svg>");
    s
}

/// Verified removals per week as bars, with the required weekly rate as a line.
pub fn weekly(weeks: &[(Ts, u32)], required: Option<f64>) -> String {
    let shown: Vec<&(Ts, u32)> = weeks.iter().rev().take(26).rev().collect();
    let (Some(a), Some(b)) = (shown.first(), shown.last()) else {
        return empty("No weekly history yet.");
    };
    let max = shown.iter().map(|w| w.1).max().unwrap_or(0) as f64;
    let ymax = max.max(required.unwrap_or(0.0)).max(1.0) * 1.15;
    let f = Frame {
        w: 900.0,
        h: 200.0,
        left: 50.0,
        bottom: 30.0,
        t0: a.0.0 - 7 * DAY,
        t1: b.0.0,
        ymax,
    };
    let mut s = open(&f, "Verified removals per week against the required rate");
    axes(&mut s, &f);
    let bw = ((f.w - f.left - 10.0) / shown.len() as f64 * 0.7).max(1.0);
    for (t, n) in &shown {
        let x = f.x(Ts(t.0 - 7 * DAY)) + 2.0;
        let y = f.y(f64::from(*n));
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{:.1}"><title>week to {}: {n}</title></rect>"#,
            (f.h - f.bottom - y).max(0.0),
            t.date()
        );
    }
    if let Some(r) = required {
        let y = f.y(r);
        let _ = write!(
            s,
            r#"<line class="required" x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/><text class="lbl" x="{:.1}" y="{:.1}">required {r:.1}/week</text>"#,
            f.left,
            f.w - 10.0,
            f.left + 4.0,
            y - 4.0
        );
    }
    ticks(&mut s, &f);
    s.push_str("</svg>");
    s
}

/// One horizontal bar split into the sites' progress bands.
pub fn bands(bands: &[(&str, u32, &str)]) -> String {
    let total: u32 = bands.iter().map(|b| b.1).sum();
    let mut s = String::from(
        r#"<svg class="chart" viewBox="0 0 900 60" role="img"><title>Sites by progress band</title>"#,
    );
    let mut x = 0.0;
    for (name, n, colour) in bands {
        let w = if total == 0 {
            0.0
        } else {
            f64::from(*n) / f64::from(total) * 880.0
        };
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="5" width="{w:.1}" height="30" fill="{colour}"><title>{name}: {n}</title></rect>"#,
            10.0 + x
        );
        if w > 60.0 {
            let _ = write!(
                s,
                r#"<text class="inbar" x="{:.1}" y="25">{name} {n}</text>"#,
                14.0 + x
            );
        }
        x += w;
    }
    s.push_str("</svg>");
    s
}

/// A small line of values, oldest first.
pub fn sparkline(values: &[u32]) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(2) as f64 - 1.0;
    let mut pts = String::new();
    for (i, v) in values.iter().enumerate() {
        let _ = write!(
            pts,
            "{:.1},{:.1} ",
            i as f64 / n * 78.0 + 1.0,
            19.0 - f64::from(*v) / max * 17.0
        );
    }
    format!(r#"<svg class="spark" viewBox="0 0 80 20"><polyline points="{pts}"/></svg>"#)
}

fn open(f: &Frame, title: &str) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {} {}" role="img"><title>{title}</title>"#,
        f.w, f.h
    )
}

fn axes(s: &mut String, f: &Frame) {
    let _ = write!(
        s,
        r#"<line class="axis" x1="{l}" y1="10" x2="{l}" y2="{b:.1}"/><line class="axis" x1="{l}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}"/>"#,
        l = f.left,
        b = f.h - f.bottom,
        r = f.w - 10.0
    );
    for i in 0..=4 {
        let v = f.ymax / 1.1 * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r#"<text class="lbl" x="{:.1}" y="{:.1}" text-anchor="end">{:.0}</text>"#,
            f.left - 4.0,
            f.y(v) + 4.0,
            v
        );
    }
}

fn ticks(s: &mut String, f: &Frame) {
    let span = f.t1 - f.t0;
    let n = 6;
    for i in 0..=n {
        let t = Ts(f.t0 + span * i / n);
        let anchor = match i {
            0 => "start",
            i if i == n => "end",
            _ => "middle",
        };
        let _ = write!(
            s,
            r#"<text class="lbl" x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            f.x(t),
            f.h - f.bottom + 16.0,
            t.date()
        );
    }
}

fn empty(msg: &str) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 900 60" role="img"><text class="lbl" x="10" y="30">{msg}</text></svg>"#
    )
}
