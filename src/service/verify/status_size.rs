//! Multi-bit status entries (W3C Bitstring Status List v1.0 §2.1 `statusSize`,
//! `statusMessage`, `statusReference`; §3.2 "Validate Algorithm" steps on status size): an
//! entry of `statusSize` bits starts at bit `statusListIndex × statusSize`, its value read most
//! significant bit first, and `statusMessage` says what each value means.

use crate::domain::status::Bitstring;
use serde_json::Value;

/// The entry's `statusSize` (1 when absent), or why it is not usable.
pub fn size(entry: &Value) -> Result<u64, String> {
    match entry.get("statusSize") {
        None => Ok(1),
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n) if (1..=64).contains(&n) => Ok(n),
            _ => Err("statusSize must be an integer from 1 to 64".into()),
        },
    }
}

/// The value of the entry's bits, or `None` when they lie outside the list.
pub fn value(bits: &Bitstring, index: u64, size: u64) -> Option<u64> {
    let start = index.checked_mul(size)?;
    let mut value = 0u64;
    for i in 0..size {
        value = (value << 1) | u64::from(bits.get(start.checked_add(i)?)?);
    }
    Some(value)
}

/// What the entry's `statusMessage` says value `v` means (`status` is a hex string such as
/// `0x1`), with `statusReference` when it gives one.
pub fn message(entry: &Value, v: u64) -> Option<String> {
    let found = entry.get("statusMessage")?.as_array()?.iter().find(|m| {
        m["status"]
            .as_str()
            .and_then(|s| s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")))
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
            == Some(v)
    })?;
    let text = found["message"].as_str()?.to_owned();
    Some(match entry.get("statusReference").and_then(Value::as_str) {
        Some(reference) => format!("{text} (see {reference})"),
        None => text,
    })
}

/// Checks the entry's shape: VC Bitstring Status List §2.1 requires `statusMessage` when
/// `statusSize` is above 1, one message per possible value at most.
pub fn check_shape(entry: &Value) -> Result<u64, String> {
    let size = size(entry)?;
    if size > 1 {
        let messages = entry
            .get("statusMessage")
            .and_then(Value::as_array)
            .ok_or("statusMessage is required when statusSize is above 1")?;
        if size < 64 && messages.len() as u64 > 1 << size {
            return Err("statusMessage lists more values than statusSize allows".into());
        }
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn two_bit_entries_read_their_value_and_message() {
        let mut bits = Bitstring::zeroed(64);
        // Entry 3 of size 2 covers bits 6 and 7: value 0b10 = 2.
        bits.set(6, true);
        assert_eq!(value(&bits, 3, 2), Some(2));
        assert_eq!(value(&bits, 2, 2), Some(0));
        assert_eq!(value(&bits, 40, 2), None);
        let entry = json!({"statusSize": 2, "statusReference": "https://example.org/status",
            "statusMessage": [{"status": "0x0", "message": "valid"},
                              {"status": "0x2", "message": "under review"}]});
        assert_eq!(check_shape(&entry), Ok(2));
        assert_eq!(
            message(&entry, 2).as_deref(),
            Some("under review (see https://example.org/status)")
        );
        assert_eq!(message(&entry, 1), None);
        assert!(check_shape(&json!({"statusSize": 2})).is_err());
        assert!(check_shape(&json!({"statusSize": 0})).is_err());
        assert_eq!(check_shape(&json!({})), Ok(1));
    }
}
