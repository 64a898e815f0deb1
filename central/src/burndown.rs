//! Burn-down arithmetic: the daily series by status, the trailing-rate projection, the required
//! weekly rate and the interim targets. Pure.

use serde::Serialize;

use crate::programme::Programme;
use crate::state::Status;
use crate::time::{DAY, Ts, WEEK};

/// The weeks the projection's rate is averaged over.
pub const TRAILING_WEEKS: i64 = 8;

/// Device counts by status at one instant (the end of a day, or the as-at instant).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Point {
    pub at: Ts,
    /// Indexed by [`Status::index`].
    pub counts: [u32; 9],
    /// Transitions into `verified` up to `at`, ever (not net of regressions).
    pub verified_total: u32,
}

impl Point {
    pub fn count(&self, s: Status) -> u32 {
        self.counts.get(s.index()).copied().unwrap_or(0)
    }

    pub fn remaining(&self) -> u32 {
        Status::ALL
            .into_iter()
            .filter(|s| s.remaining())
            .map(|s| self.count(s))
            .sum()
    }

    pub fn done(&self) -> u32 {
        self.count(Status::Verified) + self.count(Status::Disposed)
    }

    /// Done and remaining: the devices the programme must account for (excepted ones aside).
    pub fn accountable(&self) -> u32 {
        self.done() + self.remaining()
    }
}

/// An interim target and how the programme stands against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetCheck {
    pub date: Ts,
    pub pct: u8,
    /// Per cent done at the target date (or now, when it is still ahead).
    pub achieved_pct: f64,
    /// `met`, `missed`, `met early` or `not yet due`.
    pub outcome: &'static str,
    /// Remaining allowed at that date, against today's accountable total.
    pub remaining_allowed: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projection {
    pub as_at: Ts,
    pub remaining: u32,
    pub done: u32,
    pub pct_done: f64,
    /// Net devices done per week over the trailing window.
    pub rate_per_week: f64,
    pub window_weeks: f64,
    /// When the remaining devices are done at that rate; `None` when the rate is not positive.
    pub projected_completion: Option<Ts>,
    pub deadline: Option<Ts>,
    pub days_to_deadline: Option<i64>,
    /// Devices per week needed from now to meet the deadline; `None` when past it.
    pub required_per_week: Option<f64>,
    /// `on-track`, `at-risk`, `complete` or `no-deadline`.
    pub verdict: &'static str,
    pub targets: Vec<TargetCheck>,
}

/// The point of `series` in force at `t` (the last one at or before it).
pub fn at(series: &[Point], t: Ts) -> Option<&Point> {
    let i = series.partition_point(|p| p.at <= t);
    i.checked_sub(1).and_then(|i| series.get(i))
}

/// Projection and targets from a series that ends at the as-at instant.
pub fn project(series: &[Point], programme: Option<&Programme>) -> Option<Projection> {
    let now = series.last()?;
    let first = series.first()?;
    let span = (now.at.0 - first.at.0).max(0);
    let window = span.min(TRAILING_WEEKS * WEEK);
    let then = at(series, Ts(now.at.0 - window)).unwrap_or(first);
    let window_weeks = window as f64 / WEEK as f64;
    let rate = if window_weeks > 0.0 {
        (f64::from(now.done()) - f64::from(then.done())) / window_weeks
    } else {
        0.0
    };
    let remaining = now.remaining();
    let projected = if remaining == 0 {
        Some(now.at)
    } else if rate > 0.0 {
        let secs = f64::from(remaining) / rate * WEEK as f64;
        Some(Ts(now.at.0.saturating_add(secs.ceil() as i64)))
    } else {
        None
    };
    let deadline = programme.map(|p| p.deadline);
    let days_to_deadline = deadline.map(|d| now.at.days_until(d));
    let required = deadline.and_then(|d| {
        let weeks = (d.0 - now.at.0) as f64 / WEEK as f64;
        (weeks > 0.0).then(|| f64::from(remaining) / weeks)
    });
    let verdict = match (remaining, deadline, projected) {
        (0, _, _) => "complete",
        (_, None, _) => "no-deadline",
        (_, Some(d), Some(p)) if p <= d => "on-track",
        _ => "at-risk",
    };
    let targets = programme
        .map(|p| targets(series, p, now))
        .unwrap_or_default();
    Some(Projection {
        as_at: now.at,
        remaining,
        done: now.done(),
        pct_done: pct(now.done(), now.accountable()),
        rate_per_week: rate,
        window_weeks,
        projected_completion: projected,
        deadline,
        days_to_deadline,
        required_per_week: required,
        verdict,
        targets,
    })
}

fn targets(series: &[Point], p: &Programme, now: &Point) -> Vec<TargetCheck> {
    let mut out: Vec<TargetCheck> = p
        .targets
        .iter()
        .map(|t| {
            let end_of_day = Ts(t.date.day_start().0 + DAY - 1);
            let (point, due) = if end_of_day <= now.at {
                (at(series, end_of_day).unwrap_or(now), true)
            } else {
                (now, false)
            };
            let achieved = pct(point.done(), point.accountable());
            let outcome = match (due, achieved + 1e-9 >= f64::from(t.pct)) {
                (false, true) => "met early",
                (false, false) => "not yet due",
                (true, true) => "met",
                (true, false) => "missed",
            };
            let allowed = f64::from(now.accountable()) * (100.0 - f64::from(t.pct)) / 100.0;
            TargetCheck {
                date: t.date,
                pct: t.pct,
                achieved_pct: achieved,
                outcome,
                remaining_allowed: allowed.floor() as u32,
            }
        })
        .collect();
    out.sort_by_key(|t| t.date);
    out
}

/// Per cent, 0 when there is nothing to count.
pub fn pct(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) * 100.0 / f64::from(whole)
    }
}

/// Verified removals per week ending at each weekly boundary of `series` (newest last).
pub fn weekly_verified(series: &[Point]) -> Vec<(Ts, u32)> {
    let Some(now) = series.last() else {
        return Vec::new();
    };
    let Some(first) = series.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut end = now.at;
    while end.0 > first.at.0 {
        let start = Ts(end.0 - WEEK);
        let a = at(series, start).map_or(0, |p| p.verified_total);
        let b = at(series, end).map_or(0, |p| p.verified_total);
        out.push((end, b.saturating_sub(a)));
        end = start;
        if out.len() > 520 {
            break;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::{Lens, Scope, Target};

    fn point(day: i64, remaining: u32, done: u32) -> Point {
        let mut counts = [0; 9];
        counts[Status::Identified.index()] = remaining;
        counts[Status::Verified.index()] = done;
        Point {
            at: Ts(day * DAY),
            counts,
            verified_total: done,
        }
    }

    fn programme(deadline_day: i64, targets: &[(i64, u8)]) -> Programme {
        Programme {
            name: "p".into(),
            lens: Lens::UkNil,
            baseline: Ts(0),
            deadline: Ts(deadline_day * DAY),
            no_new_deployments: None,
            targets: targets
                .iter()
                .map(|&(d, pct)| Target {
                    date: Ts(d * DAY),
                    pct,
                })
                .collect(),
            scope: Scope::default(),
        }
    }

    #[test]
    fn projection_uses_the_trailing_eight_weeks() {
        // 100 devices; nothing for 4 weeks, then 2 a day for 8 weeks (112 days in all).
        let mut series = Vec::new();
        for day in 0..=84 {
            let done = if day <= 28 {
                0
            } else {
                (2 * (day - 28)) as u32
            };
            series.push(point(day, 200 - done, done));
        }
        let p = project(&series, Some(&programme(200, &[]))).unwrap();
        assert_eq!(p.window_weeks, 8.0);
        // done 112 now, 0 at day 28 => 14 a week.
        assert!((p.rate_per_week - 14.0).abs() < 1e-9, "{}", p.rate_per_week);
        assert_eq!(p.remaining, 88);
        // 88 / 14 weeks = 44 days after day 84.
        assert_eq!(p.projected_completion, Some(Ts(128 * DAY)));
        assert_eq!(p.days_to_deadline, Some(116));
        let required = p.required_per_week.unwrap();
        assert!((required - 88.0 / (116.0 / 7.0)).abs() < 1e-9);
        assert_eq!(p.verdict, "on-track");
        let late = project(&series, Some(&programme(100, &[]))).unwrap();
        assert_eq!(late.verdict, "at-risk");
    }

    #[test]
    fn no_progress_means_no_projection() {
        let series = vec![point(0, 10, 0), point(7, 10, 0)];
        let p = project(&series, Some(&programme(30, &[]))).unwrap();
        assert_eq!(p.projected_completion, None);
        assert_eq!(p.verdict, "at-risk");
        let past = project(&series, Some(&programme(3, &[]))).unwrap();
        assert_eq!(past.required_per_week, None);
        let done = vec![point(0, 0, 5)];
        assert_eq!(project(&done, None).unwrap().verdict, "complete");
    }

    #[test]
    fn interim_targets_are_judged_at_their_date() {
        let series: Vec<Point> = (0..=20)
            .map(|d| point(d, 20 - d as u32, d as u32))
            .collect();
        // 50% by day 10: 10 of 20 done at the end of day 10 => met. 80% by day 12: 12/20 => missed.
        let p = project(
            &series,
            Some(&programme(40, &[(12, 80), (10, 50), (30, 100)])),
        )
        .unwrap();
        let got: Vec<(u8, &str)> = p.targets.iter().map(|t| (t.pct, t.outcome)).collect();
        assert_eq!(got, [(50, "met"), (80, "missed"), (100, "met early")]);
        let early = project(&series[..15], Some(&programme(40, &[(30, 100)]))).unwrap();
        assert_eq!(early.targets[0].outcome, "not yet due");
        assert_eq!(p.targets[0].remaining_allowed, 10);
    }

    #[test]
    fn weekly_verified_counts_transitions_per_week() {
        let series: Vec<Point> = (0..=14).map(|d| point(d, 0, (d * 3) as u32)).collect();
        let w = weekly_verified(&series);
        assert_eq!(w, vec![(Ts(7 * DAY), 21), (Ts(14 * DAY), 21)]);
        assert_eq!(at(&series, Ts(7 * DAY + 5)).unwrap().at, Ts(7 * DAY));
        assert!(at(&series, Ts(-1)).is_none());
    }
}
