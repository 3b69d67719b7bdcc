//! IANA time zone names. A municipality stores the zone's name, never an offset: offsets
//! change by law (all of Kazakhstan moved to UTC+5 on 2024-03-01), names follow the change.

use super::Coded;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A zone of the IANA time zone database, such as `Asia/Almaty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(Tz);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeZoneError {
    #[error("{0:?} is not an IANA time zone name (e.g. Europe/Istanbul)")]
    Unknown(String),
    /// `Etc/GMT-5`, `EST` and friends are fixed offsets dressed as zones: they would silently
    /// keep the old offset when a country changes its clocks.
    #[error("{0:?} is a fixed offset, not a place; use a zone such as Asia/Almaty")]
    FixedOffset(String),
}

impl Coded for TimeZoneError {
    fn code(&self) -> &'static str {
        match self {
            TimeZoneError::Unknown(_) => "unknown_time_zone",
            TimeZoneError::FixedOffset(_) => "fixed_offset_time_zone",
        }
    }
}

impl TimeZoneName {
    /// Parses an exact IANA name (the database is case-sensitive; so are we, as `date` is).
    /// `UTC` and `Etc/UTC` are accepted; other `Etc/*` zones and the legacy fixed-offset
    /// abbreviations such as `EST` are refused.
    pub fn parse(name: &str) -> Result<Self, TimeZoneError> {
        let name = name.trim();
        let tz: Tz = name
            .parse()
            .map_err(|_| TimeZoneError::Unknown(name.to_owned()))?;
        if is_fixed_offset(name) {
            return Err(TimeZoneError::FixedOffset(name.to_owned()));
        }
        Ok(TimeZoneName(tz))
    }

    /// The IANA name, e.g. `Asia/Bishkek`.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    /// The calendar date at `instant` in this zone: what "today" means for the municipality
    /// (for age checks, for example).
    pub fn local_date(self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    /// The UTC instant of a wall-clock time in this zone. In a spring-forward gap the wall time
    /// does not exist and the instant just after the gap is used; in a fall-back overlap the
    /// earlier of the two instants is used, so a scheduled close never happens late.
    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            chrono::LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
            chrono::LocalResult::None => {
                // Gaps are at most a few hours; walk forward minute by minute to the first
                // existing wall time.
                let mut probe = local;
                for _ in 0..(24 * 60) {
                    probe += chrono::Duration::minutes(1);
                    if let Some(t) = self.0.from_local_datetime(&probe).earliest() {
                        return t.with_timezone(&Utc);
                    }
                }
                // No zone has a gap of a day; treat the wall time as UTC rather than panic.
                Utc.from_utc_datetime(&local)
            }
        }
    }
}

/// Zones whose offset can never change. UTC itself is allowed (useful for tests and for
/// deployments that really want it); the others are offsets someone picked by hand.
fn is_fixed_offset(name: &str) -> bool {
    const LEGACY_FIXED: &[&str] = &[
        "EST",
        "MST",
        "HST",
        "GMT",
        "GMT+0",
        "GMT-0",
        "GMT0",
        "Greenwich",
        "UCT",
        "Universal",
        "Zulu",
    ];
    if matches!(name, "UTC" | "Etc/UTC") {
        return false;
    }
    name.starts_with("Etc/") || LEGACY_FIXED.contains(&name)
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TimeZoneName {
    type Err = TimeZoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeZoneName::parse(s)
    }
}

impl TryFrom<String> for TimeZoneName {
    type Error = TimeZoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TimeZoneName::parse(&s)
    }
}

impl From<TimeZoneName> for String {
    fn from(z: TimeZoneName) -> String {
        z.name().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zones_we_serve_parse_and_keep_their_names() {
        for name in [
            "Europe/Istanbul",
            "Asia/Almaty",
            "Asia/Bishkek",
            "Asia/Tashkent",
            "Asia/Baku",
            "Asia/Ashgabat",
            "Europe/Budapest",
            "Asia/Famagusta",
            "UTC",
            "Etc/UTC",
            "Turkey",
        ] {
            assert_eq!(TimeZoneName::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn unknown_and_miscased_names_are_refused() {
        for bad in [
            "",
            "Asia/Alma-Ata-X",
            "europe/istanbul",
            "Mars/Olympus",
            "+05:00",
            "UTC+5",
        ] {
            assert_eq!(
                TimeZoneName::parse(bad).unwrap_err().code(),
                "unknown_time_zone",
                "{bad}"
            );
        }
    }

    #[test]
    fn fixed_offsets_are_refused() {
        for bad in ["Etc/GMT-5", "Etc/GMT+3", "EST", "GMT", "Etc/GMT"] {
            assert_eq!(
                TimeZoneName::parse(bad).unwrap_err().code(),
                "fixed_offset_time_zone",
                "{bad}"
            );
        }
    }

    #[test]
    fn kazakhstan_2024_offset_change_follows_the_name() {
        let almaty = TimeZoneName::parse("Asia/Almaty").unwrap();
        let before = almaty.to_utc(
            NaiveDate::from_ymd_opt(2024, 1, 15)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
        );
        let after = almaty.to_utc(
            NaiveDate::from_ymd_opt(2024, 6, 15)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap(),
        );
        assert_eq!(before.format("%H").to_string(), "06"); // UTC+6 then
        assert_eq!(after.format("%H").to_string(), "07"); // UTC+5 now
    }

    #[test]
    fn local_date_uses_the_zone() {
        let baku = TimeZoneName::parse("Asia/Baku").unwrap();
        let instant = Utc.with_ymd_and_hms(2025, 12, 31, 21, 30, 0).unwrap();
        assert_eq!(
            baku.local_date(instant),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
    }

    #[test]
    fn gaps_and_overlaps_resolve_to_the_earliest_valid_instant() {
        let budapest = TimeZoneName::parse("Europe/Budapest").unwrap();
        // 2025-03-30 02:30 does not exist in Budapest (clocks jump 02:00 -> 03:00 CET->CEST).
        let gap = NaiveDate::from_ymd_opt(2025, 3, 30)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            budapest.to_utc(gap),
            Utc.with_ymd_and_hms(2025, 3, 30, 1, 0, 0).unwrap()
        );
        // 2025-10-26 02:30 happens twice; the first is 00:30 UTC.
        let overlap = NaiveDate::from_ymd_opt(2025, 10, 26)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            budapest.to_utc(overlap),
            Utc.with_ymd_and_hms(2025, 10, 26, 0, 30, 0).unwrap()
        );
    }

    #[test]
    fn serde_uses_the_name() {
        let z: TimeZoneName = serde_json::from_str("\"Asia/Tashkent\"").unwrap();
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"Asia/Tashkent\"");
        assert!(serde_json::from_str::<TimeZoneName>("\"Etc/GMT-5\"").is_err());
    }
}
