//! Number formatting shared by the CLI's tables and the benchmark's: thousands
//! separators, memory sizes for people, and sizes for linker scripts.

/// Thousands separators: 1234567 -> "1,234,567".
pub fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A memory size for a table: whole MiB when it is one, else KiB (rounded down).
pub fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// A length as GNU ld writes it in `memory.x`: `512K`, `2M`, or plain bytes.
pub fn size_literal(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{}M", bytes >> 20)
    } else if bytes.is_multiple_of(1 << 10) {
        format!("{}K", bytes >> 10)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(844), "844");
        assert_eq!(mib(2 << 20), "2 MiB");
        assert_eq!(mib(512 << 10), "512 KiB");
        assert_eq!(size_literal(512 << 10), "512K");
        assert_eq!(size_literal(1000), "1000");
    }
}
