//! Byte sizes, durations and numbers, parsed and printed the way compose's Go code does.
//!
//! Compose reads sizes with docker's `go-units` (`RAMInBytes`: binary multiples, `50m` is
//! 52428800), durations with `go-str2duration` (Go's `time.ParseDuration` plus `d` and `w`),
//! and prints durations with Go's `time.Duration.String` (`90s` is `1m30s`). The JSON model
//! must show exactly those strings, and the loader must reject exactly the values compose
//! rejects, so both directions live here.

/// Parses a size as `go-units` `RAMInBytes` does: a decimal number, an optional space, and
/// an optional `b`, `k`, `m`, `g`, `t` or `p` suffix (case-insensitive, optionally followed
/// by `b` or `ib`), all multiples of 1024. The error text is go-units' own.
pub(crate) fn parse_ram_in_bytes(text: &str) -> Result<i64, String> {
    let Some(sep) = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("invalid size: '{text}'"));
    };
    let (num, suffix) = if text.as_bytes()[sep] == b' ' {
        (&text[..sep], &text[sep + 1..])
    } else {
        (&text[..=sep], &text[sep + 1..])
    };
    let mut size = parse_go_float(num)
        .ok_or_else(|| format!("strconv.ParseFloat: parsing \"{num}\": invalid syntax"))?;
    if size < 0.0 {
        return Err(format!("invalid size: '{text}'"));
    }
    if suffix.is_empty() {
        return Ok(size as i64);
    }
    let lower = suffix.to_ascii_lowercase();
    let bad = || format!("invalid suffix: '{lower}'");
    if lower.len() > 3 {
        return Err(bad());
    }
    let mut chars = lower.chars();
    let first = chars.next().ok_or_else(bad)?;
    if first == 'b' {
        return if lower.len() > 1 {
            Err(bad())
        } else {
            Ok(size as i64)
        };
    }
    let multiplier: f64 = match first {
        'k' => 1024.0,
        'm' => 1024.0 * 1024.0,
        'g' => 1024.0 * 1024.0 * 1024.0,
        't' => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        'p' => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    size *= multiplier;
    let rest = chars.as_str();
    match rest.len() {
        0 => {}
        1 if rest == "b" => {}
        2 if rest == "ib" => {}
        _ => return Err(bad()),
    }
    Ok(size as i64)
}

/// `strconv.ParseFloat(s, 64)` for the plain decimal forms a size can take.
fn parse_go_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let plain = !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !plain {
        return None;
    }
    text.parse::<f64>().ok()
}

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1000 * NANOSECOND;
const MILLISECOND: u64 = 1000 * MICROSECOND;
const SECOND: u64 = 1000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// Parses a duration into nanoseconds as `go-str2duration` does (Go's `time.ParseDuration`
/// plus the `d` and `w` units). The error text is Go's.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{orig}\"");
    let mut s = orig;
    let mut neg = false;
    if let Some(first) = s.chars().next() {
        if first == '-' || first == '+' {
            neg = first == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut value: u64 = 0;
        for b in s[..digits].bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(invalid)?;
        }
        let pre = digits > 0;
        s = &s[digits..];
        let mut fraction: u64 = 0;
        let mut scale = 1.0_f64;
        let mut post = false;
        if let Some(rest) = s.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for b in rest[..n].bytes() {
                if overflow {
                    continue;
                }
                match fraction
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .filter(|v| *v <= 1 << 63)
                {
                    Some(v) => {
                        fraction = v;
                        scale *= 10.0;
                    }
                    None => overflow = true,
                }
            }
            post = n > 0;
            s = &rest[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration \"{orig}\""));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit = match unit_text {
            "ns" => NANOSECOND,
            "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
            "ms" => MILLISECOND,
            "s" => SECOND,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => WEEK,
            _ => {
                return Err(format!(
                    "time: unknown unit \"{unit_text}\" in duration \"{orig}\""
                ))
            }
        };
        if value > (1u64 << 63) / unit {
            return Err(invalid());
        }
        value *= unit;
        if fraction > 0 {
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > 1 << 63 {
                return Err(invalid());
            }
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    if total > i64::MAX as u64 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// Formats nanoseconds as Go's `time.Duration.String` does: `1h0m0s`, `1m30s`, `1.5s`,
/// `500ms`, `1µs`, `0s`.
pub(crate) fn format_duration(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < SECOND {
        if u == 0 {
            return "0s".into();
        }
        let (prec, unit) = if u < MICROSECOND {
            (0, "ns")
        } else if u < MILLISECOND {
            (3, "\u{b5}s")
        } else {
            (6, "ms")
        };
        let (frac, int) = format_fraction(u, prec);
        out.push_str(&int.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, rest) = format_fraction(u, 9);
        u = rest;
        let seconds = format!("{}{}s", u % 60, frac);
        u /= 60;
        if u > 0 {
            let minutes = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{minutes}m"));
        }
        out.push_str(&seconds);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: the `prec` low decimal digits of `v` as `.ddd` without trailing zeros
/// (empty when all are zero), and `v` with those digits removed.
fn format_fraction(mut v: u64, prec: usize) -> (String, u64) {
    let mut digits = Vec::new();
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            digits.push(b'0' + digit);
        }
        v /= 10;
    }
    if !print {
        return (String::new(), v);
    }
    digits.reverse();
    let mut s = String::from(".");
    s.push_str(&String::from_utf8_lossy(&digits));
    (s, v)
}

/// A JSON number for a Go `float32`, printed as Go's `encoding/json` prints it: the shortest
/// decimal that reads back as the same float32, with no fraction when it is integral.
pub(crate) fn json_f32(f: f32) -> serde_json::Value {
    if !f.is_finite() {
        return serde_json::Value::Null;
    }
    let shortest: f64 = format!("{f}").parse().unwrap_or(f64::from(f));
    json_f64(shortest)
}

/// A JSON number for a Go `float64`: integral values print without a fraction (`50`, not
/// `50.0`), as Go does.
pub(crate) fn json_f64(f: f64) -> serde_json::Value {
    if f.fract() == 0.0 && f.abs() < 9e18 {
        return serde_json::Value::from(f as i64);
    }
    serde_json::Number::from_f64(f)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_go_units() {
        assert_eq!(parse_ram_in_bytes("50m"), Ok(52_428_800));
        assert_eq!(parse_ram_in_bytes("50M"), Ok(52_428_800));
        assert_eq!(parse_ram_in_bytes("1kb"), Ok(1024));
        assert_eq!(parse_ram_in_bytes("1 kb"), Ok(1024));
        assert_eq!(parse_ram_in_bytes("1KiB"), Ok(1024));
        assert_eq!(parse_ram_in_bytes("1.5g"), Ok(1_610_612_736));
        assert_eq!(parse_ram_in_bytes("100"), Ok(100));
        assert_eq!(parse_ram_in_bytes("1e3"), Ok(1000));
        assert_eq!(parse_ram_in_bytes("3.9b"), Ok(3));
        assert_eq!(parse_ram_in_bytes("1p"), Ok(1_125_899_906_842_624));
        assert_eq!(parse_ram_in_bytes("-1"), Err("invalid size: '-1'".into()));
        assert_eq!(parse_ram_in_bytes("m"), Err("invalid size: 'm'".into()));
        assert_eq!(
            parse_ram_in_bytes("1bb"),
            Err("invalid suffix: 'bb'".into())
        );
        assert_eq!(
            parse_ram_in_bytes("1mx"),
            Err("invalid suffix: 'mx'".into())
        );
        assert!(parse_ram_in_bytes("0x10").is_err());
        assert!(parse_ram_in_bytes(" 1m").is_err());
    }

    #[test]
    fn durations_parse_like_str2duration() {
        assert_eq!(parse_duration("10s"), Ok(10 * SECOND as i64));
        assert_eq!(parse_duration("1m30s"), Ok(90 * SECOND as i64));
        assert_eq!(parse_duration("1.5h"), Ok(90 * MINUTE as i64));
        assert_eq!(parse_duration("2d"), Ok(48 * HOUR as i64));
        assert_eq!(parse_duration("1w2d3h"), Ok(219 * HOUR as i64));
        assert_eq!(parse_duration(".5s"), Ok(500 * MILLISECOND as i64));
        assert_eq!(parse_duration("1.s"), Ok(SECOND as i64));
        assert_eq!(parse_duration("-5s"), Ok(-5 * SECOND as i64));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(
            parse_duration("10"),
            Err("time: missing unit in duration \"10\"".into())
        );
        assert_eq!(
            parse_duration("10 parsecs"),
            Err("time: unknown unit \" parsecs\" in duration \"10 parsecs\"".into())
        );
        assert_eq!(
            parse_duration(""),
            Err("time: invalid duration \"\"".into())
        );
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("99999999999h").is_err());
    }

    #[test]
    fn durations_print_like_go() {
        let s = SECOND as i64;
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(60 * s), "1m0s");
        assert_eq!(format_duration(90 * s), "1m30s");
        assert_eq!(format_duration(3600 * s), "1h0m0s");
        assert_eq!(format_duration(3600 * s + s / 2), "1h0m0.5s");
        assert_eq!(format_duration(1500 * MILLISECOND as i64), "1.5s");
        assert_eq!(format_duration(500 * MILLISECOND as i64), "500ms");
        assert_eq!(format_duration(1000), "1\u{b5}s");
        assert_eq!(format_duration(100), "100ns");
        assert_eq!(format_duration(-5 * s), "-5s");
        assert_eq!(format_duration(219 * 3600 * s), "219h0m0s");
    }

    #[test]
    fn floats_print_like_go_json() {
        assert_eq!(json_f32(0.3).to_string(), "0.3");
        assert_eq!(json_f32(50.0).to_string(), "50");
        assert_eq!(json_f32(0.001).to_string(), "0.001");
        assert_eq!(json_f32(1.5).to_string(), "1.5");
        assert_eq!(json_f64(2.5).to_string(), "2.5");
        assert_eq!(json_f64(3.0).to_string(), "3");
    }
}
