//! The removal state of one restricted device: human claims, automatic verification, and the
//! side states `excepted`, `regressed` and `not-seen`. Pure: instants are arguments.
//!
//! | state | entered |
//! |---|---|
//! | identified | automatically, when the device is restricted under the programme's lens |
//! | isolated, scheduled, removed, disposed | by a person (a claim) |
//! | verified | automatically: after a `removed` claim, absent from two completed, fully witnessed scans by the agent that saw it, each started after the claim |
//! | excepted | an active exception covers it; never counted as done |
//! | regressed | seen again after it was verified or disposed |
//! | not-seen | the agent reports it absent and nobody claimed its removal; never counted as removed |

use serde::{Deserialize, Serialize};

use crate::programme::Claim;
use crate::time::Ts;

/// Completed scans without the device, after a removal claim, that verify the removal.
pub const VERIFY_AFTER_SCANS: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Identified,
    Isolated,
    Scheduled,
    Removed,
    NotSeen,
    Regressed,
    Verified,
    Disposed,
    Excepted,
}

impl Status {
    pub const ALL: [Self; 9] = [
        Self::Identified,
        Self::Isolated,
        Self::Scheduled,
        Self::Removed,
        Self::NotSeen,
        Self::Regressed,
        Self::Verified,
        Self::Disposed,
        Self::Excepted,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identified => "identified",
            Self::Isolated => "isolated",
            Self::Scheduled => "scheduled",
            Self::Removed => "removed",
            Self::NotSeen => "not-seen",
            Self::Regressed => "regressed",
            Self::Verified => "verified",
            Self::Disposed => "disposed",
            Self::Excepted => "excepted",
        }
    }

    /// Still to do: everything but verified, disposed and excepted.
    pub fn remaining(self) -> bool {
        !matches!(self, Self::Verified | Self::Disposed | Self::Excepted)
    }

    /// Done: verified or disposed.
    pub fn done(self) -> bool {
        matches!(self, Self::Verified | Self::Disposed)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepError {
    #[error("cannot record {claim} for a device that is {current}: {why}")]
    NotAllowed {
        claim: &'static str,
        current: &'static str,
        why: &'static str,
    },
}

/// Counts kept per counted scan, so a scan that central saw only in part proves nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Track {
    /// The latest claim and when it took effect.
    pub claim: Option<(Claim, Ts)>,
    /// The agent's own presence flag (absent after its `absent_after` missed scans).
    pub present: bool,
    pub last_seen: Option<Ts>,
    /// The scan that last observed the device.
    pub last_scan: Option<String>,
    /// Counted scans without the device since the removal claim.
    pub absent_scans: u32,
    pub verified_at: Option<Ts>,
    pub regressed_at: Option<Ts>,
    /// Seen by a scan after the removal claim: the claim is contradicted.
    pub seen_after_claim: Option<Ts>,
}

impl Track {
    /// The device answered scan `scan_id` at `at`.
    pub fn observe(&mut self, at: Ts, scan_id: &str) {
        let finished =
            self.verified_at.is_some() || matches!(self.claim, Some((Claim::Disposed, _)));
        if finished {
            self.regressed_at = Some(at);
            self.verified_at = None;
        } else if let Some((Claim::Removed, c)) = self.claim
            && at > c
        {
            self.seen_after_claim = Some(at);
        }
        self.absent_scans = 0;
        self.present = true;
        self.last_seen = Some(at);
        self.last_scan = Some(scan_id.to_owned());
    }

    /// The agent now reports the device absent.
    pub fn lost(&mut self) {
        self.present = false;
    }

    /// A completed, fully witnessed full scan by the device's agent, started at `started`,
    /// finished at `finished`, did or did not observe the device.
    pub fn scan_completed(&mut self, started: Ts, finished: Ts, scan_id: &str) {
        if self.last_scan.as_deref() == Some(scan_id) {
            return;
        }
        let Some((Claim::Removed, claimed)) = self.claim else {
            return;
        };
        if self.verified_at.is_some() || started < claimed {
            return;
        }
        self.absent_scans = self.absent_scans.saturating_add(1);
        if self.absent_scans >= VERIFY_AFTER_SCANS {
            self.verified_at = Some(finished);
        }
    }

    /// Checks and records a human claim.
    pub fn claim(&mut self, claim: Claim, at: Ts) -> Result<(), StepError> {
        self.check(claim)?;
        if claim == Claim::Removed {
            self.absent_scans = 0;
            self.seen_after_claim = None;
        }
        if self.regressed_at.is_some() && claim != Claim::Disposed {
            self.regressed_at = None;
        }
        self.claim = Some((claim, at));
        Ok(())
    }

    /// Whether `claim` may follow the current state.
    pub fn check(&self, claim: Claim) -> Result<(), StepError> {
        let current = self.status(false);
        let rank = |c: Option<Claim>| match c {
            None => 0,
            Some(Claim::Isolated) => 1,
            Some(Claim::Scheduled) => 2,
            Some(Claim::Removed) => 3,
            Some(Claim::Disposed) => 4,
        };
        let not_allowed = |why| {
            Err(StepError::NotAllowed {
                claim: claim.as_str(),
                current: current.as_str(),
                why,
            })
        };
        if current == Status::Regressed {
            return if claim == Claim::Disposed {
                not_allowed(
                    "it was seen again after removal; record isolated, scheduled or removed first",
                )
            } else {
                Ok(())
            };
        }
        if claim == Claim::Disposed && !matches!(current, Status::Removed | Status::Verified) {
            return not_allowed("disposal follows a removal");
        }
        if rank(Some(claim)) <= rank(self.claim.map(|(c, _)| c)) {
            return not_allowed("steps only move forward");
        }
        Ok(())
    }

    /// The state, given whether an exception covers the device now.
    pub fn status(&self, excepted: bool) -> Status {
        if excepted {
            return Status::Excepted;
        }
        if self.regressed_at.is_some() {
            return Status::Regressed;
        }
        match self.claim.map(|(c, _)| c) {
            Some(Claim::Disposed) => Status::Disposed,
            Some(Claim::Removed) if self.verified_at.is_some() => Status::Verified,
            Some(Claim::Removed) => Status::Removed,
            _ if !self.present => Status::NotSeen,
            Some(Claim::Scheduled) => Status::Scheduled,
            Some(Claim::Isolated) => Status::Isolated,
            None => Status::Identified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A script of inputs and the status expected after each.
    enum In {
        Seen(i64, &'static str),
        Lost,
        Scan(i64, &'static str),
        Claim(Claim, i64),
        Refused(Claim),
    }

    fn run(script: &[(In, Status)]) {
        let mut t = Track::default();
        for (i, (input, want)) in script.iter().enumerate() {
            match input {
                In::Seen(at, scan) => t.observe(Ts(*at), scan),
                In::Lost => t.lost(),
                In::Scan(at, scan) => t.scan_completed(Ts(*at - 1), Ts(*at), scan),
                In::Claim(c, at) => t.claim(*c, Ts(*at)).unwrap(),
                In::Refused(c) => assert!(t.claim(*c, Ts(0)).is_err(), "step {i}: {c:?} accepted"),
            }
            assert_eq!(t.status(false), *want, "after step {i}");
        }
    }

    #[test]
    fn removal_is_verified_by_two_later_scans_without_the_device() {
        use In::*;
        run(&[
            (Seen(10, "s1"), Status::Identified),
            (Scan(11, "s1"), Status::Identified),
            (Claim(super::Claim::Isolated, 20), Status::Isolated),
            (Claim(super::Claim::Scheduled, 30), Status::Scheduled),
            (Claim(super::Claim::Removed, 40), Status::Removed),
            // A scan that started before the claim proves nothing.
            (Scan(40, "s2"), Status::Removed),
            (Scan(50, "s3"), Status::Removed),
            (Scan(60, "s4"), Status::Verified),
            (Claim(super::Claim::Disposed, 70), Status::Disposed),
        ]);
    }

    #[test]
    fn seen_after_the_claim_restarts_the_count() {
        use In::*;
        run(&[
            (Seen(10, "s1"), Status::Identified),
            (Claim(super::Claim::Removed, 20), Status::Removed),
            (Scan(30, "s2"), Status::Removed),
            (Seen(40, "s3"), Status::Removed),
            (Scan(41, "s3"), Status::Removed),
            (Scan(50, "s4"), Status::Removed),
            (Scan(60, "s5"), Status::Verified),
        ]);
    }

    #[test]
    fn seen_after_verification_is_a_regression() {
        use In::*;
        run(&[
            (Seen(10, "s1"), Status::Identified),
            (Claim(super::Claim::Removed, 20), Status::Removed),
            (Scan(30, "s2"), Status::Removed),
            (Scan(40, "s3"), Status::Verified),
            (Seen(50, "s4"), Status::Regressed),
            (Refused(super::Claim::Disposed), Status::Regressed),
            (Claim(super::Claim::Removed, 60), Status::Removed),
            (Scan(70, "s5"), Status::Removed),
            (Scan(80, "s6"), Status::Verified),
        ]);
    }

    #[test]
    fn absent_without_a_claim_is_not_seen_never_removed() {
        use In::*;
        run(&[
            (Seen(10, "s1"), Status::Identified),
            (Claim(super::Claim::Isolated, 15), Status::Isolated),
            (Lost, Status::NotSeen),
            (Scan(30, "s2"), Status::NotSeen),
            (Scan(40, "s3"), Status::NotSeen),
            (Scan(50, "s4"), Status::NotSeen),
            (Claim(super::Claim::Removed, 60), Status::Removed),
            (Scan(70, "s5"), Status::Removed),
            (Scan(80, "s6"), Status::Verified),
        ]);
    }

    #[test]
    fn steps_only_move_forward() {
        use In::*;
        run(&[
            (Seen(10, "s1"), Status::Identified),
            (Refused(super::Claim::Disposed), Status::Identified),
            (Claim(super::Claim::Scheduled, 20), Status::Scheduled),
            (Refused(super::Claim::Isolated), Status::Scheduled),
            (Refused(super::Claim::Scheduled), Status::Scheduled),
            (Claim(super::Claim::Removed, 30), Status::Removed),
            (Claim(super::Claim::Disposed, 40), Status::Disposed),
            (Refused(super::Claim::Removed), Status::Disposed),
            (Seen(50, "s9"), Status::Regressed),
        ]);
    }

    #[test]
    fn an_exception_overrides_and_status_sets_partition() {
        let mut t = Track::default();
        t.observe(Ts(1), "s");
        assert_eq!(t.status(true), Status::Excepted);
        let remaining: Vec<_> = Status::ALL.into_iter().filter(|s| s.remaining()).collect();
        let done: Vec<_> = Status::ALL.into_iter().filter(|s| s.done()).collect();
        assert_eq!(remaining.len() + done.len() + 1, Status::ALL.len());
        assert!(!Status::Excepted.remaining() && !Status::Excepted.done());
        assert!(Status::NotSeen.remaining() && Status::Regressed.remaining());
    }
}
