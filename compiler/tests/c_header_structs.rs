//! `compiler/c/tinyml_kernels.h` keeps a C copy of every runtime parameter struct (the
//! generated `model.c` initializes them by field name from the Rust values). This test
//! reads both sides and checks, struct by struct, the field names, their order, and the
//! types (`i32`/`usize`/`bool` as `int32_t`, arrays with the same length).
//!
//! The Rust side is read from the runtime's sources (every `.rs` file below
//! `runtime/src`, wherever a struct lives), so moving a struct between files needs no
//! change here; renaming, adding, dropping or reordering a field without the header fails.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

/// C structs in the header with no Rust counterpart (helpers of the C kernels).
const C_ONLY: &[&str] = &["TinymlBroadcastIter"];

#[derive(Debug, PartialEq)]
struct Field {
    name: String,
    /// Element type (the C spelling).
    ty: String,
    /// Array length, if an array.
    len: Option<u64>,
}

fn rust_sources(dir: &Path, out: &mut String) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&p).unwrap());
            out.push('\n');
        }
    }
}

/// `const NAME: usize = 6;` and `#define NAME 6` values, for array lengths.
fn constants(rust: &str, c: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for line in rust.lines() {
        let l = line.trim_start().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
        if let Some(rest) = l.strip_prefix("const ") {
            if let Some((name, value)) = rest.split_once(": usize = ") {
                if let Ok(v) = value.trim_end_matches(';').parse() {
                    m.insert(name.to_owned(), v);
                }
            }
        }
    }
    for line in c.lines() {
        if let Some(rest) = line.strip_prefix("#define ") {
            if let Some((name, value)) = rest.split_once(' ') {
                if let Ok(v) = value.trim().parse() {
                    m.insert(name.to_owned(), v);
                }
            }
        }
    }
    m
}

fn length(expr: &str, consts: &BTreeMap<String, u64>) -> u64 {
    let expr = expr.trim();
    expr.parse().ok().or_else(|| consts.get(expr).copied()).unwrap_or_else(|| panic!("unknown length `{expr}`"))
}

/// The C spelling of a Rust field type.
fn c_spelling(rust: &str) -> String {
    match rust {
        "i32" | "usize" | "bool" => "int32_t",
        "i64" => "int64_t",
        "i16" => "int16_t",
        "u16" => "uint16_t",
        "u32" => "uint32_t",
        "f32" => "float",
        "f64" => "double",
        "i8" => "tinyml_i8",
        other => other,
    }
    .to_owned()
}

/// Every `pub struct Name { pub field: Type, ... }` of the runtime.
fn rust_structs(src: &str, consts: &BTreeMap<String, u64>) -> BTreeMap<String, Vec<Field>> {
    let mut out = BTreeMap::new();
    let mut rest = src;
    while let Some(at) = rest.find("pub struct ") {
        rest = &rest[at + "pub struct ".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after = rest[name.len()..].trim_start();
        if !after.starts_with('{') {
            continue;
        }
        let body = &after[1..after.find('}').unwrap()];
        let mut fields = Vec::new();
        for line in body.lines().map(str::trim).filter(|l| l.starts_with("pub ")) {
            let (field, ty) = line["pub ".len()..].trim_end_matches(',').split_once(':').unwrap();
            let ty = ty.trim();
            let (ty, len) = match ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                Some(arr) => {
                    let (elem, n) = arr.split_once(';').unwrap();
                    (c_spelling(elem.trim()), Some(length(n, consts)))
                }
                None => (c_spelling(ty), None),
            };
            fields.push(Field { name: field.trim().to_owned(), ty, len });
        }
        out.insert(name, fields);
    }
    out
}

/// Every `typedef struct { Type field; ... } Name;` of the header.
fn c_structs(header: &str, consts: &BTreeMap<String, u64>) -> BTreeMap<String, Vec<Field>> {
    let mut out = BTreeMap::new();
    let mut rest = header;
    while let Some(at) = rest.find("typedef struct {") {
        rest = &rest[at + "typedef struct {".len()..];
        let close = rest.find('}').unwrap();
        let body = &rest[..close];
        let name = rest[close + 1..].split(';').next().unwrap().trim().to_owned();
        let mut fields = Vec::new();
        for decl in body.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            let decl = decl.trim_start_matches("const ");
            let (ty, declarator) = decl.rsplit_once(' ').unwrap();
            let (field, len) = match declarator.split_once('[') {
                Some((f, n)) => (f, Some(length(n.trim_end_matches(']'), consts))),
                None => (declarator, None),
            };
            fields.push(Field { name: field.to_owned(), ty: ty.trim().to_owned(), len });
        }
        out.insert(name, fields);
    }
    out
}

#[test]
fn every_c_parameter_struct_matches_its_rust_type() {
    let root = support::workspace_root();
    let header = std::fs::read_to_string(root.join("compiler/c/tinyml_kernels.h")).unwrap();
    let mut rust = String::new();
    rust_sources(&root.join("runtime/src"), &mut rust);
    let consts = constants(&rust, &header);
    let rust_structs = rust_structs(&rust, &consts);
    let c_structs = c_structs(&header, &consts);
    assert!(c_structs.len() >= 20, "found only {:?} in the header", c_structs.keys());
    let mut checked = 0;
    for (name, c_fields) in &c_structs {
        if C_ONLY.contains(&name.as_str()) {
            continue;
        }
        let Some(r_fields) = rust_structs.get(name) else {
            panic!("tinyml_kernels.h declares `{name}`, which no runtime struct of that name matches");
        };
        assert_eq!(
            c_fields, r_fields,
            "tinyml_kernels.h `{name}` differs from the runtime's `{name}` (left: C, right: Rust)"
        );
        checked += 1;
    }
    assert!(checked >= 19, "checked {checked} structs");
}
