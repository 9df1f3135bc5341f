//! C99 literals: parameter structs (from their `Debug` form, a Rust struct literal of
//! scalars and fixed arrays), integers valid for every `int` width, floats, table and
//! element values. The op modules stay unaware of C; anything outside the small grammar
//! of parameter literals is refused with an error rather than guessed.

use super::error::CExportError;
use crate::graph::DType;
use crate::kernel::TableData;

/// `FullyConnectedParams { input_offset: 128, shape: [1, 2], inner: Broadcast { .. } }`
/// to the C99 designated initializer `{ .input_offset = 128, .shape = { 1, 2 }, ... }`.
///
/// Struct names are dropped (the C declaration gives the type), arrays become braces,
/// `true`/`false` become 1/0. Enum variants and tuples have no C form here: an error.
pub fn debug_to_initializer(debug: &str) -> Result<String, CExportError> {
    let tokens = tokenize(debug)?;
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let next = tokens.get(i + 1).map(String::as_str);
        match t.as_str() {
            "{" | "[" => out.push_str("{ "),
            "}" | "]" => {
                // Drop a trailing ", " before the closing brace for tidiness.
                if out.ends_with(", ") {
                    out.truncate(out.len() - 2);
                }
                if !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push('}');
            }
            "," => out.push_str(", "),
            ":" => return Err(unsupported(debug, "a `:` without a field name")),
            "true" => out.push('1'),
            "false" => out.push('0'),
            word if is_ident_start(word) => match next {
                Some("{") => {} // The struct's type name.
                Some(":") => {
                    out.push('.');
                    out.push_str(word);
                    out.push_str(" = ");
                    i += 1;
                }
                _ => return Err(unsupported(debug, &format!("`{word}` (enum variants have no C form)"))),
            },
            number => out.push_str(&c_number(number, debug)?),
        }
        i += 1;
    }
    Ok(out)
}

fn is_ident_start(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

fn unsupported(debug: &str, what: &str) -> CExportError {
    CExportError::Unsupported(format!("parameter literal `{debug}` contains {what}"))
}

fn tokenize(s: &str) -> Result<Vec<String>, CExportError> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "{}[]:,".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_-+.".contains(chars[i])) {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            return Err(unsupported(s, &format!("`{c}`")));
        }
    }
    Ok(tokens)
}

/// A Rust integer or float literal as C. `i32::MIN` cannot be written as a plain literal
/// in C (2147483648 is not an int), and floats get an `f` suffix so that they stay
/// `float` on targets where `double` is 64-bit.
fn c_number(n: &str, context: &str) -> Result<String, CExportError> {
    if let Ok(v) = n.parse::<i64>() {
        return Ok(c_int(v));
    }
    if let Ok(v) = n.parse::<f64>() {
        if v.is_finite() {
            let mut s = n.to_owned();
            if !s.contains(['.', 'e', 'E']) {
                s.push_str(".0");
            }
            return Ok(format!("{s}f"));
        }
    }
    Err(unsupported(context, &format!("`{n}`")))
}

/// An integer literal valid in C for every int width (C28x `int` has 16 bits: larger
/// literals become `long`, which C converts exactly).
pub fn c_int(v: i64) -> String {
    if v == i32::MIN as i64 {
        "INT32_MIN".to_owned()
    } else if v == i64::MIN {
        "INT64_MIN".to_owned()
    } else if v > i32::MAX as i64 || v < i32::MIN as i64 {
        format!("INT64_C({v})")
    } else {
        v.to_string()
    }
}

/// A finite float as a C `float` literal (the shortest form that reads back the same).
pub fn c_float(v: f32) -> Result<String, CExportError> {
    if !v.is_finite() {
        return Err(CExportError::Unsupported(format!("`{v:?}` is not a finite float")));
    }
    c_number(&format!("{v:?}"), "a float argument")
}

/// The values of a table of `elem` as C literals.
pub fn table_values(elem: DType, values: &TableData) -> Result<Vec<String>, CExportError> {
    match values {
        TableData::Int(v) => Ok(v
            .iter()
            .map(|&n| match elem {
                DType::U32 | DType::U64 => format!("{n}u"),
                _ => c_int(n),
            })
            .collect()),
        TableData::F32(v) => v.iter().map(|x| c_number(&format!("{x:?}"), "a table value")).collect(),
    }
}

/// Values of little-endian `bytes` of `dtype` as C literals.
pub fn element_literals(dtype: DType, bytes: &[u8]) -> Vec<String> {
    let word = |c: &[u8]| {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    };
    bytes
        .chunks_exact(dtype.size())
        .map(|c| match dtype {
            DType::I8 => (c[0] as i8).to_string(),
            DType::U8 | DType::Bool => c[0].to_string(),
            DType::I16 => i16::from_le_bytes([c[0], c[1]]).to_string(),
            DType::I32 => c_int(i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64),
            DType::U32 => format!("{}u", word(c)),
            DType::I64 => c_int(word(c) as i64),
            DType::U64 => format!("UINT64_C({})", word(c)),
            DType::F32 => format!("{:?}f", f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        })
        .collect()
}

/// `values` as the body of a C array initializer, 16 per line.
pub fn array_body(values: &[String]) -> String {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        s.push_str(if i % 16 == 0 { "\n    " } else { " " });
        s.push_str(v);
        s.push(',');
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_literals_become_designated_initializers() {
        assert_eq!(
            debug_to_initializer("P { a: -1, b: [1, 2], c: Q { d: true } }").unwrap(),
            "{ .a = -1, .b = { 1, 2 }, .c = { .d = 1 } }"
        );
        assert_eq!(debug_to_initializer("P { m: -2147483648, s: 0.5 }").unwrap(), "{ .m = INT32_MIN, .s = 0.5f }");
        assert!(debug_to_initializer("P { a: Some(3) }").is_err());
        assert!(debug_to_initializer("P { pad: Same }").is_err());
    }

    #[test]
    fn tables_and_floats() {
        let ints = TableData::Int(vec![-2147483648, 5000000000, -3]);
        assert_eq!(table_values(DType::I64, &ints).unwrap(), ["INT32_MIN", "INT64_C(5000000000)", "-3"]);
        assert_eq!(table_values(DType::U32, &TableData::Int(vec![7])).unwrap(), ["7u"]);
        assert_eq!(table_values(DType::F32, &TableData::F32(vec![1e-5, 1.0])).unwrap(), ["1e-5f", "1.0f"]);
        assert_eq!(c_float(1.5).unwrap(), "1.5f");
        assert_eq!(c_float(0.0).unwrap(), "0.0f");
        assert!(c_float(f32::NAN).is_err());
    }
}
