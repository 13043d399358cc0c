//! How long a credential is valid, and the resulting period (VC Data Model 2.0 §4.9
//! `validFrom` / `validUntil`).

use std::fmt;
use time::{Date, Month, OffsetDateTime};

/// Clock skew tolerated between us and a verifier (VC DM 2.0 §4.9 leaves it to the verifier):
/// status list credentials are dated this far back so that a verifier whose clock is behind
/// does not see a list we just re-signed as "not yet valid", and our own verifier accepts a
/// `validFrom` this far in its future. Issued credentials keep `validFrom` = issue time.
pub const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// A calendar length such as "3 years": certification validity is counted in calendar units,
/// so a credential issued on 29 February runs until 28 February (never 1 March) of its last year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    months: u32,
    days: u32,
}

impl Validity {
    /// Parses `"<n> year(s)|month(s)|day(s)"`; the number must be positive.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("`{text}`: expected e.g. \"3 years\""));
        };
        let n: u32 = n
            .parse()
            .map_err(|_| format!("`{text}`: `{n}` is not a whole number"))?;
        if n == 0 || n > 1200 {
            return Err(format!("`{text}`: must be positive and at most 1200"));
        }
        match unit.trim_end_matches('s') {
            "year" => Ok(Self {
                months: n * 12,
                days: 0,
            }),
            "month" => Ok(Self { months: n, days: 0 }),
            "day" => Ok(Self { months: 0, days: n }),
            _ => Err(format!("`{text}`: unit must be years, months or days")),
        }
    }

    pub fn end_of(&self, from: OffsetDateTime) -> OffsetDateTime {
        let date = add_months(from.date(), self.months) + time::Duration::days(self.days.into());
        from.replace_date(date)
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.months, self.days) {
            (m, 0) if m % 12 == 0 => write!(f, "{} years", m / 12),
            (m, 0) => write!(f, "{m} months"),
            (_, d) => write!(f, "{d} days"),
        }
    }
}

fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + (date.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let last_day = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last_day)).unwrap_or(date)
}

/// A credential's validity: `from <= until` holds by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    from: OffsetDateTime,
    until: OffsetDateTime,
}

impl ValidityPeriod {
    pub fn new(from: OffsetDateTime, until: OffsetDateTime) -> Result<Self, String> {
        if from > until {
            return Err("validFrom is after validUntil".into());
        }
        Ok(Self { from, until })
    }

    pub fn starting(from: OffsetDateTime, validity: Validity) -> Self {
        Self {
            from,
            until: validity.end_of(from),
        }
    }

    pub fn from(&self) -> OffsetDateTime {
        self.from
    }

    pub fn until(&self) -> OffsetDateTime {
        self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn calendar_arithmetic_clamps_month_ends() {
        let v = Validity::parse("3 years").unwrap();
        assert_eq!(
            v.end_of(datetime!(2024-02-29 10:00 UTC)),
            datetime!(2027-02-28 10:00 UTC)
        );
        let m = Validity::parse("1 month").unwrap();
        assert_eq!(
            m.end_of(datetime!(2026-01-31 00:00 UTC)),
            datetime!(2026-02-28 00:00 UTC)
        );
        assert_eq!(v.to_string(), "3 years");
    }

    #[test]
    fn bad_lengths_are_refused() {
        for bad in ["0 years", "-1 years", "3", "three years", "3 weeks", ""] {
            assert!(Validity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn period_refuses_inversion() {
        assert!(
            ValidityPeriod::new(
                datetime!(2026-01-02 0:00 UTC),
                datetime!(2026-01-01 0:00 UTC)
            )
            .is_err()
        );
    }
}
