//! Dates, times, date-times and durations (ISO-8601 calendar, proleptic Gregorian).
//!
//! Everything is computed from plain integers; no wall clock is read here.

use std::fmt;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

/// A time of day in nanoseconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime {
    pub(crate) nanos: u64,
}

/// Where a time or date-time is anchored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Zone {
    /// Fixed offset from UTC in seconds (`Z` is 0).
    Offset(i32),
    /// An IANA zone id such as `Europe/Berlin`.
    Id(String),
}

/// A time of day with offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Time {
    pub(crate) time: LocalTime,
    pub(crate) zone: Zone,
}

/// A date and time without offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    pub(crate) date: Date,
    pub(crate) time: LocalTime,
}

/// A date and time with an offset or zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub(crate) local: LocalDateTime,
    pub(crate) zone: Zone,
}

/// A days-and-time duration, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayTimeDuration {
    pub(crate) nanos: i128,
}

/// A years-and-months duration, in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonthDuration {
    pub(crate) months: i64,
}

const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year > 9999 {
            write!(f, "+{}-{:02}-{:02}", self.year, self.month, self.day)
        } else if self.year < 0 {
            write!(f, "-{:04}-{:02}-{:02}", -self.year, self.month, self.day)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

impl fmt::Display for LocalTime {
    /// ISO-8601 like Java's `LocalTime.toString()`: seconds are always shown, fractions trimmed
    /// to milli/micro/nano groups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.nanos / NANOS_PER_SECOND;
        let frac = self.nanos % NANOS_PER_SECOND;
        write!(
            f,
            "{:02}:{:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )?;
        if frac != 0 {
            if frac % 1_000_000 == 0 {
                write!(f, ".{:03}", frac / 1_000_000)?;
            } else if frac % 1000 == 0 {
                write!(f, ".{:06}", frac / 1000)?;
            } else {
                write!(f, ".{frac:09}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Offset(0) => f.write_str("Z"),
            Zone::Offset(secs) => {
                let sign = if *secs < 0 { '-' } else { '+' };
                let abs = secs.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60)?;
                if abs % 60 != 0 {
                    write!(f, ":{:02}", abs % 60)?;
                }
                Ok(())
            }
            Zone::Id(id) => write!(f, "@{id}"),
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.time, self.zone)
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.date, self.time)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.local, self.zone)
    }
}

impl fmt::Display for DayTimeDuration {
    /// `P1DT2H3M4.5S`; zero is `PT0S`; negative durations get a leading `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("PT0S");
        }
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let abs = self.nanos.unsigned_abs();
        let nanos_per_second = u128::from(NANOS_PER_SECOND);
        let total_secs = abs / nanos_per_second;
        let frac = abs % nanos_per_second;
        let days = total_secs / 86_400;
        let hours = (total_secs / 3600) % 24;
        let minutes = (total_secs / 60) % 60;
        let secs = total_secs % 60;
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours > 0 || minutes > 0 || secs > 0 || frac > 0 {
            f.write_str("T")?;
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if secs > 0 || frac > 0 {
                write!(f, "{secs}")?;
                if frac > 0 {
                    let digits = format!("{frac:09}");
                    write!(f, ".{}", digits.trim_end_matches('0'))?;
                }
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for YearMonthDuration {
    /// `P1Y2M`; zero is `P0M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.months == 0 {
            return f.write_str("P0M");
        }
        if self.months < 0 {
            f.write_str("-")?;
        }
        let abs = self.months.unsigned_abs();
        f.write_str("P")?;
        if abs / 12 > 0 {
            write!(f, "{}Y", abs / 12)?;
        }
        if abs % 12 > 0 {
            write!(f, "{}M", abs % 12)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ operators
//
// Each returns `None` when the operand types do not form a temporal operation, which the
// caller maps to FEEL null.

pub(crate) fn add(_a: &crate::Value, _b: &crate::Value) -> Option<crate::Value> {
    None
}

pub(crate) fn sub(_a: &crate::Value, _b: &crate::Value) -> Option<crate::Value> {
    None
}

pub(crate) fn mul(_a: &crate::Value, _b: &crate::Value) -> Option<crate::Value> {
    None
}

pub(crate) fn div(_a: &crate::Value, _b: &crate::Value) -> Option<crate::Value> {
    None
}

pub(crate) fn neg(_a: &crate::Value) -> Option<crate::Value> {
    None
}

pub(crate) fn equals(_a: &crate::Value, _b: &crate::Value) -> Option<bool> {
    None
}

pub(crate) fn compare(_a: &crate::Value, _b: &crate::Value) -> Option<std::cmp::Ordering> {
    None
}

/// A property such as `date.year` or `duration.hours`; `None` if the value has no such property.
pub(crate) fn property(_value: &crate::Value, _key: &str) -> Option<crate::Value> {
    None
}

impl DayTimeDuration {
    pub fn abs(self) -> Self {
        DayTimeDuration {
            nanos: self.nanos.abs(),
        }
    }
}

impl YearMonthDuration {
    pub fn abs(self) -> Self {
        YearMonthDuration {
            months: self.months.abs(),
        }
    }
}
