//! Turns the Rust forms the lowering code emits (a parameter struct's `Debug` literal, a
//! kernel call, table values) into C99. The mapping is mechanical on purpose: the op
//! modules stay unaware of C, and anything outside the small grammar below is refused
//! with an error rather than guessed.

use super::CExportError;

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

/// One table value (as the emitter formatted it) as a C literal of element `elem`.
pub fn table_value(elem: &str, v: &str) -> Result<String, CExportError> {
    match elem {
        "f32" => c_number(v, v),
        _ => {
            let n: i64 =
                v.parse().map_err(|_| CExportError::Unsupported(format!("table value `{v}` of type {elem}")))?;
            Ok(match elem {
                "u32" | "u64" => format!("{n}u"),
                _ => c_int(n),
            })
        }
    }
}

/// A kernel call in the emitter's Rust form, split into the C function name and its
/// arguments translated to C.
#[derive(Debug, PartialEq)]
pub struct Call {
    /// The C function (`average_pool_i8` for `average_pool::<i8>`).
    pub function: String,
    /// Arguments in C (`&L0_PARAMS`, `in0`, `L0_FILTER`, `NULL`, `out`).
    pub args: Vec<String>,
}

/// Parses `fully_connected_s8(&L0_PARAMS, in0, &L0_FILTER.0, &[], out)`.
pub fn parse_call(call: &str) -> Result<Call, CExportError> {
    let bad = |why: &str| CExportError::Unsupported(format!("kernel call `{call}`: {why}"));
    let open = call.find('(').ok_or_else(|| bad("no argument list"))?;
    let inner = call[open + 1..].strip_suffix(')').ok_or_else(|| bad("does not end with `)`"))?;
    let head = &call[..open];
    // `cast::<u32, i32>` becomes `cast_u32_i32`: one C function per type combination.
    let function = match head.split_once("::<") {
        Some((name, ty)) => {
            let ty = ty.strip_suffix('>').ok_or_else(|| bad("unclosed generic"))?;
            let types: Vec<&str> = ty.split(',').map(str::trim).collect();
            if types.iter().any(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric())) {
                return Err(bad("generic arguments are not plain element types"));
            }
            format!("{name}_{}", types.join("_"))
        }
        None => head.to_owned(),
    };
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(arg(current.trim()).map_err(|e| bad(&e))?);
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        args.push(arg(current.trim()).map_err(|e| bad(&e))?);
    }
    Ok(Call { function, args })
}

fn arg(a: &str) -> Result<String, String> {
    if a == "&[]" || a == "&mut []" {
        return Ok("NULL".to_owned());
    }
    // A slice of slices (CONCATENATION's inputs): `&[&T.0, in0]` becomes the brace list
    // `{ T, in0 }`, which the caller declares as a local array of pointers.
    if let Some(list) = a.strip_prefix("&[").and_then(|l| l.strip_suffix(']')) {
        let items: Vec<String> = list.split(',').map(|i| arg(i.trim())).collect::<Result<_, _>>()?;
        if items.iter().any(|i| i.starts_with('{') || i == "NULL") {
            return Err(format!("list `{a}` nests lists or empty slices"));
        }
        return Ok(format!("{{ {} }}", items.join(", ")));
    }
    // A float given by its bits (PAD's value for float tensors): Debug prints the
    // shortest literal that reads back to the same bits.
    if let Some(bits) = a.strip_prefix("f32::from_bits(0x").and_then(|b| b.strip_suffix(')')) {
        let v = u32::from_str_radix(bits, 16).map(f32::from_bits).map_err(|e| format!("`{a}`: {e}"))?;
        if !v.is_finite() {
            return Err(format!("`{a}` is not a finite float"));
        }
        return c_number(&format!("{v:?}"), a).map_err(|e| e.to_string());
    }
    if let Some(table) = a.strip_prefix('&').and_then(|t| t.strip_suffix(".0")) {
        return Ok(table.to_owned());
    }
    if let Some(params) = a.strip_prefix('&') {
        if params.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Ok(a.to_owned());
        }
    }
    if ["in0", "in1", "in2", "in3", "out", "scratch"].contains(&a)
        || a.starts_with("in") && a[2..].parse::<usize>().is_ok()
    {
        return Ok(a.to_owned());
    }
    // A plain integer literal (its type comes from the kernel's parameter).
    if let Ok(v) = a.parse::<i64>() {
        return Ok(c_int(v));
    }
    // A scalar literal with a Rust type suffix (`-128i8`).
    for suffix in ["i8", "i16", "i32", "u8"] {
        if let Some(n) = a.strip_suffix(suffix) {
            if let Ok(v) = n.parse::<i64>() {
                return Ok(c_int(v));
            }
        }
    }
    Err(format!("argument `{a}` has no C translation"))
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
    fn calls_map_tables_views_and_generics() {
        let c = parse_call("fully_connected_s8(&L0_PARAMS, in0, &L0_FILTER.0, &[], out)").unwrap();
        assert_eq!(c.function, "fully_connected_s8");
        assert_eq!(c.args, ["&L0_PARAMS", "in0", "L0_FILTER", "NULL", "out"]);
        let c = parse_call("average_pool::<i8>(&L3_PARAMS, in0, out)").unwrap();
        assert_eq!(c.function, "average_pool_i8");
        assert_eq!(parse_call("pad(&L1_PARAMS, in0, -128i8, out)").unwrap().args[2], "-128");
        assert_eq!(parse_call("pad(&L1_PARAMS, in0, -128, out)").unwrap().args[2], "-128");
        let c = parse_call("concatenation::<i8>(&L1_PARAMS, &[&L1_CONST0.0, in0, in1], out)").unwrap();
        assert_eq!(c.args, ["&L1_PARAMS", "{ L1_CONST0, in0, in1 }", "out"]);
        let c = parse_call("cast::<u32, i32>(in0, out)").unwrap();
        assert_eq!((c.function.as_str(), c.args.len()), ("cast_u32_i32", 2));
        assert_eq!(parse_call("pad(&P, in0, f32::from_bits(0x3fc00000), out)").unwrap().args[2], "1.5f");
        assert_eq!(parse_call("pad(&P, in0, f32::from_bits(0x0), out)").unwrap().args[2], "0.0f");
        assert!(parse_call("pad(&P, in0, f32::from_bits(0x7fc00000), out)").is_err());
        assert!(parse_call("f::<Vec<u8>>(in0, out)").is_err());
    }

    #[test]
    fn table_values() {
        assert_eq!(table_value("i32", "-2147483648").unwrap(), "INT32_MIN");
        assert_eq!(table_value("i64", "5000000000").unwrap(), "INT64_C(5000000000)");
        assert_eq!(table_value("f32", "1e-5").unwrap(), "1e-5f");
        assert_eq!(table_value("i8", "-3").unwrap(), "-3");
    }
}
