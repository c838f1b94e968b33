//! Calendar arithmetic on Unix seconds, and the time formats kyso reads and writes.

use crate::error::Error;

/// Seconds since 1970-01-01T00:00:00Z.
pub type UnixTime = i64;

/// Days since the epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number since the epoch.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Broken-down time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    pub fn from_unix(t: UnixTime) -> Civil {
        let (year, month, day) = civil_from_days(t.div_euclid(86400));
        let s = t.rem_euclid(86400) as u32;
        Civil {
            year,
            month,
            day,
            hour: s / 3600,
            minute: s / 60 % 60,
            second: s % 60,
        }
    }

    fn to_unix(self) -> Result<UnixTime, Error> {
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return Err(Error::Time("field out of range"));
        }
        Ok(days_from_civil(self.year, self.month, self.day) * 86400
            + (self.hour * 3600 + self.minute * 60 + self.second.min(59)) as i64)
    }
}

/// RFC 3339 in UTC, e.g. `2025-02-12T03:33:35Z`.
pub fn to_rfc3339(t: UnixTime) -> String {
    to_rfc3339_offset(t, 0)
}

/// RFC 3339 with a fixed offset in minutes, e.g. `2025-02-12T10:33:35+07:00`.
pub fn to_rfc3339_offset(t: UnixTime, offset_minutes: i32) -> String {
    let c = Civil::from_unix(t + offset_minutes as i64 * 60);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    format!("{base}{}", zone_suffix(offset_minutes, ":", ""))
}

/// `Z`, or `±HH<sep>MM<end>`.
fn zone_suffix(offset_minutes: i32, sep: &str, end: &str) -> String {
    if offset_minutes == 0 {
        return "Z".into();
    }
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("{sign}{:02}{sep}{:02}{end}", m / 60, m % 60)
}

/// A PDF date string, e.g. `D:20250212103335+07'00'`.
pub fn to_pdf_date(t: UnixTime, offset_minutes: i32) -> String {
    let c = Civil::from_unix(t + offset_minutes as i64 * 60);
    let base = format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    format!("{base}{}", zone_suffix(offset_minutes, "'", "'"))
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        part.iter()
            .fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32),
    )
}

/// Parses a zone suffix (`Z`, `+07'00'`, `+0700`, `+07:00`, nothing) into minutes east of UTC.
/// `None` for the minutes means no zone was given.
fn parse_zone(rest: &[u8]) -> Result<Option<i32>, Error> {
    match rest.first() {
        None => Ok(None),
        Some(b'Z') | Some(b'z') => Ok(Some(0)),
        Some(&c @ (b'+' | b'-')) => {
            let hh = digits(rest, 1, 2).ok_or(Error::Time("bad zone hours"))?;
            let mut at = 3;
            while matches!(rest.get(at), Some(b'\'') | Some(b':')) {
                at += 1;
            }
            let mm = digits(rest, at, 2).unwrap_or(0);
            let v = (hh * 60 + mm) as i32;
            Ok(Some(if c == b'-' { -v } else { v }))
        }
        Some(_) => Err(Error::Time("unexpected characters after time")),
    }
}

/// A parsed point in time and whether the source named its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedTime {
    pub unix: UnixTime,
    /// Minutes east of UTC as written; `None` when the text had no zone (read as UTC).
    pub offset_minutes: Option<i32>,
}

/// Parses a PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, with the usual omissions).
pub fn parse_pdf_date(s: &[u8]) -> Result<ParsedTime, Error> {
    let s = s.strip_prefix(b"D:").unwrap_or(s);
    let year = digits(s, 0, 4).ok_or(Error::Time("PDF date without a year"))? as i64;
    let mut c = Civil {
        year,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };
    let mut at = 4;
    for field in [
        &mut c.month,
        &mut c.day,
        &mut c.hour,
        &mut c.minute,
        &mut c.second,
    ] {
        match digits(s, at, 2) {
            Some(v) => {
                *field = v;
                at += 2;
            }
            None => break,
        }
    }
    let zone = parse_zone(&s[at.min(s.len())..])?;
    Ok(ParsedTime {
        unix: c.to_unix()? - zone.unwrap_or(0) as i64 * 60,
        offset_minutes: zone,
    })
}

/// Parses an ASN.1 UTCTime (`YYMMDDHHMMSSZ`).
pub fn parse_utc_time(s: &[u8]) -> Result<UnixTime, Error> {
    let yy = digits(s, 0, 2).ok_or(Error::Time("bad UTCTime"))? as i64;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    parse_asn1_rest(year, s, 2)
}

/// Parses an ASN.1 GeneralizedTime (`YYYYMMDDHHMMSS[.fff]Z`).
pub fn parse_generalized_time(s: &[u8]) -> Result<UnixTime, Error> {
    let year = digits(s, 0, 4).ok_or(Error::Time("bad GeneralizedTime"))? as i64;
    parse_asn1_rest(year, s, 4)
}

fn parse_asn1_rest(year: i64, s: &[u8], at: usize) -> Result<UnixTime, Error> {
    let f = |i: usize| digits(s, at + 2 * i, 2).ok_or(Error::Time("bad ASN.1 time"));
    let c = Civil {
        year,
        month: f(0)?,
        day: f(1)?,
        hour: f(2)?,
        minute: f(3)?,
        second: digits(s, at + 8, 2).unwrap_or(0),
    };
    let mut rest_at = at + 10;
    if s.get(rest_at) == Some(&b'.') {
        rest_at += 1;
        while s.get(rest_at).is_some_and(u8::is_ascii_digit) {
            rest_at += 1;
        }
    }
    let zone = parse_zone(&s[rest_at.min(s.len())..])?;
    Ok(c.to_unix()? - zone.unwrap_or(0) as i64 * 60)
}

/// Parses RFC 3339 / ISO 8601 (`2035-01-01T00:00:00+07:00`, `Z`, or no zone).
pub fn parse_rfc3339(s: &str) -> Result<ParsedTime, Error> {
    let b = s.trim().as_bytes();
    let bad = Error::Time("expected YYYY-MM-DDTHH:MM:SS[Z|±HH:MM]");
    let year = digits(b, 0, 4).ok_or(bad.clone())? as i64;
    let sep_ok = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '));
    if !sep_ok || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return Err(bad);
    }
    let c = Civil {
        year,
        month: digits(b, 5, 2).ok_or(bad.clone())?,
        day: digits(b, 8, 2).ok_or(bad.clone())?,
        hour: digits(b, 11, 2).ok_or(bad.clone())?,
        minute: digits(b, 14, 2).ok_or(bad.clone())?,
        second: digits(b, 17, 2).ok_or(bad)?,
    };
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    let zone = parse_zone(&b[at.min(b.len())..])?;
    Ok(ParsedTime {
        unix: c.to_unix()? - zone.unwrap_or(0) as i64 * 60,
        offset_minutes: zone,
    })
}

/// Encodes a time as ASN.1 UTCTime (years 1950–2049) or GeneralizedTime.
pub fn to_asn1_time(t: UnixTime) -> Vec<u8> {
    let c = Civil::from_unix(t);
    if (1950..2050).contains(&c.year) {
        let s = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            c.year % 100,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second
        );
        crate::der::tlv(crate::der::tag::UTC_TIME, s.as_bytes())
    } else {
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        crate::der::tlv(crate::der::tag::GENERALIZED_TIME, s.as_bytes())
    }
}

/// Now, from the system clock.
pub fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for t in [0i64, 951782400, 1739331215, 2524608000, -86400] {
            let c = Civil::from_unix(t);
            assert_eq!(c.to_unix().unwrap(), t);
        }
        assert_eq!(to_rfc3339(1739331215), "2025-02-12T03:33:35Z");
        assert_eq!(
            to_rfc3339_offset(1739331215, 420),
            "2025-02-12T10:33:35+07:00"
        );
        assert_eq!(to_pdf_date(1739331215, 420), "D:20250212103335+07'00'");
    }

    #[test]
    fn parses_pdf_dates() {
        let p = parse_pdf_date(b"D:20250212103335+07'00'").unwrap();
        assert_eq!(p.unix, 1739331215);
        assert_eq!(p.offset_minutes, Some(420));
        let p = parse_pdf_date(b"D:20250212033335Z").unwrap();
        assert_eq!(p.unix, 1739331215);
        let p = parse_pdf_date(b"D:2025").unwrap();
        assert_eq!(p.offset_minutes, None);
        assert!(parse_pdf_date(b"D:20251399").is_err());
        assert!(parse_pdf_date(b"").is_err());
    }

    #[test]
    fn parses_asn1_and_rfc3339() {
        assert_eq!(parse_utc_time(b"250212033335Z").unwrap(), 1739331215);
        assert_eq!(
            parse_generalized_time(b"20250212033335.123Z").unwrap(),
            1739331215
        );
        let p = parse_rfc3339("2025-02-12T10:33:35+07:00").unwrap();
        assert_eq!(p.unix, 1739331215);
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
