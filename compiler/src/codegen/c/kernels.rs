//! The C kernel library (`compiler/c/`), embedded so that an installed `cargo tinyml` can
//! export anywhere. Which functions a file defines, which take an element count, and which
//! other files a file needs, is read from the C itself (the header's declarations, the
//! files' definitions), not kept in a second list: a new C file is one line here.

/// The shared header of the C kernels (types, fixed-point helpers, parameter structs).
pub const KERNELS_HEADER: (&str, &str) = ("tinyml_kernels.h", include_str!("../../../c/tinyml_kernels.h"));

/// One C source file of the kernel library.
#[derive(Debug)]
pub struct KernelSource {
    /// File name.
    pub file: &'static str,
    /// Contents.
    pub text: &'static str,
}

/// The C kernel library, embedded so an installed `cargo tinyml` can export anywhere.
pub const KERNEL_SOURCES: &[KernelSource] = &[
    KernelSource { file: "tinyml_fully_connected.c", text: include_str!("../../../c/tinyml_fully_connected.c") },
    KernelSource { file: "tinyml_conv.c", text: include_str!("../../../c/tinyml_conv.c") },
    KernelSource { file: "tinyml_depthwise_conv.c", text: include_str!("../../../c/tinyml_depthwise_conv.c") },
    KernelSource { file: "tinyml_transpose_conv.c", text: include_str!("../../../c/tinyml_transpose_conv.c") },
    KernelSource { file: "tinyml_pooling.c", text: include_str!("../../../c/tinyml_pooling.c") },
    KernelSource { file: "tinyml_softmax.c", text: include_str!("../../../c/tinyml_softmax.c") },
    KernelSource { file: "tinyml_add.c", text: include_str!("../../../c/tinyml_add.c") },
    KernelSource { file: "tinyml_mul.c", text: include_str!("../../../c/tinyml_mul.c") },
    KernelSource { file: "tinyml_minmax.c", text: include_str!("../../../c/tinyml_minmax.c") },
    // Before LOGISTIC, whose int16 helpers it calls: the one pass over this list that
    // collects a model's files then takes LOGISTIC's own needs too.
    KernelSource { file: "tinyml_lstm.c", text: include_str!("../../../c/tinyml_lstm.c") },
    KernelSource { file: "tinyml_logistic.c", text: include_str!("../../../c/tinyml_logistic.c") },
    KernelSource { file: "tinyml_sigmoid_lut.c", text: include_str!("../../../c/tinyml_sigmoid_lut.c") },
    KernelSource { file: "tinyml_quantize.c", text: include_str!("../../../c/tinyml_quantize.c") },
    KernelSource { file: "tinyml_elementwise.c", text: include_str!("../../../c/tinyml_elementwise.c") },
    KernelSource { file: "tinyml_l2_normalization.c", text: include_str!("../../../c/tinyml_l2_normalization.c") },
    KernelSource { file: "tinyml_log_softmax.c", text: include_str!("../../../c/tinyml_log_softmax.c") },
    KernelSource { file: "tinyml_prelu.c", text: include_str!("../../../c/tinyml_prelu.c") },
    KernelSource { file: "tinyml_relu.c", text: include_str!("../../../c/tinyml_relu.c") },
    KernelSource { file: "tinyml_dequantize.c", text: include_str!("../../../c/tinyml_dequantize.c") },
    KernelSource { file: "tinyml_pad.c", text: include_str!("../../../c/tinyml_pad.c") },
    KernelSource { file: "tinyml_mean.c", text: include_str!("../../../c/tinyml_mean.c") },
    KernelSource { file: "tinyml_arg_min_max.c", text: include_str!("../../../c/tinyml_arg_min_max.c") },
    KernelSource { file: "tinyml_concatenation.c", text: include_str!("../../../c/tinyml_concatenation.c") },
    KernelSource { file: "tinyml_strided_copy.c", text: include_str!("../../../c/tinyml_strided_copy.c") },
    KernelSource { file: "tinyml_gather.c", text: include_str!("../../../c/tinyml_gather.c") },
    KernelSource { file: "tinyml_resize_nearest.c", text: include_str!("../../../c/tinyml_resize_nearest.c") },
    KernelSource { file: "tinyml_cast.c", text: include_str!("../../../c/tinyml_cast.c") },
    KernelSource { file: "tinyml_svdf.c", text: include_str!("../../../c/tinyml_svdf.c") },
    KernelSource { file: "tinyml_gemmlowp.c", text: include_str!("../../../c/tinyml_gemmlowp.c") },
];

/// A kernel function of the C library, read from its declaration in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelFunction {
    /// Its name (`conv_s8`).
    pub name: &'static str,
    /// It takes the element count as a last argument (`int32_t n`): its Rust version takes
    /// it from the length of its slices, which C pointers do not carry.
    pub counted: bool,
}

/// Every kernel function the header declares (`void name(...);`; `tinyml_` helpers
/// excluded), in header order.
pub fn declared_functions() -> Vec<KernelFunction> {
    let text = KERNELS_HEADER.1;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\nvoid ") {
        rest = &rest[at + "\nvoid ".len()..];
        let Some(open) = rest.find('(') else { break };
        let name = &rest[..open];
        let end = rest.find(';').unwrap_or(rest.len());
        let declaration = &rest[..end];
        if !name.starts_with("tinyml_") && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(KernelFunction { name, counted: declaration.trim_end().ends_with("int32_t n)") });
        }
    }
    out
}

/// The `tinyml_` helpers (functions, tables) `text` defines at file scope for other files:
/// a line at column 0, not `static`, naming `tinyml_x(` or `tinyml_x[`.
fn exported_helpers(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            l.starts_with(|c: char| c.is_ascii_alphabetic()) && !l.starts_with("static") && !l.starts_with("typedef")
        })
        .filter_map(|l| {
            let at = l.find("tinyml_")?;
            let name = &l[at..l[at..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))? + at];
            l[at + name.len()..].starts_with(['(', '[']).then_some(name)
        })
        .collect()
}

impl KernelSource {
    /// The other files of the library whose helpers this file calls (gemmlowp's
    /// fixed-point functions, the sigmoid table), read from the C.
    pub fn needs(&self) -> Vec<&'static str> {
        KERNEL_SOURCES
            .iter()
            .filter(|other| other.file != self.file)
            .filter(|other| exported_helpers(other.text).iter().any(|h| self.text.contains(h)))
            .map(|other| other.file)
            .collect()
    }

    /// Whether this file defines `function`: a definition `void function(` or a macro
    /// instance `MACRO(function, ...)`.
    pub fn defines(&self, function: &str) -> bool {
        self.text.contains(&format!("void {function}(")) || self.text.contains(&format!("({function},"))
    }

    /// The kernel functions this file defines.
    pub fn functions(&self) -> Vec<&'static str> {
        declared_functions().into_iter().map(|f| f.name).filter(|f| self.defines(f)).collect()
    }
}

/// Every kernel function with a C port.
pub fn ported_functions() -> Vec<&'static str> {
    KERNEL_SOURCES.iter().flat_map(|s| s.functions()).collect()
}

/// The declared kernel `function`, if it has a C port.
pub fn ported(function: &str) -> Option<KernelFunction> {
    declared_functions().into_iter().find(|f| f.name == function && source_of(function).is_some())
}

pub fn source_of(function: &str) -> Option<&'static KernelSource> {
    KERNEL_SOURCES.iter().find(|s| s.defines(function))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tinyml_sigmoid_lut.c` is a copy of the runtime's table; they must not drift.
    #[test]
    fn c_sigmoid_table_equals_the_runtime_table() {
        let file = KERNEL_SOURCES.iter().find(|s| s.file == "tinyml_sigmoid_lut.c").expect("the table file");
        let body = &file.text[file.text.find("= {").expect("initializer")..];
        let values: Vec<u16> =
            body.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).map(|w| w.parse().unwrap()).collect();
        assert_eq!(values, tinyml_runtime::kernels::sigmoid_lut::SIGMOID_TABLE_U16);
    }

    /// Every function the header declares is defined in exactly one file, and every file a
    /// source needs exists.
    #[test]
    fn kernel_table_is_consistent_with_the_header() {
        for s in KERNEL_SOURCES {
            for f in s.functions() {
                assert!(KERNELS_HEADER.1.contains(&format!(" {f}(")), "{f} is not declared in tinyml_kernels.h");
                assert!(s.text.contains(f), "{f} is not defined in {}", s.file);
            }
            for n in s.needs() {
                assert!(KERNEL_SOURCES.iter().any(|k| k.file == n), "{} needs the missing {n}", s.file);
            }
        }
    }

    /// The dependencies read from the C are the ones the library has.
    #[test]
    fn needs_are_read_from_the_c() {
        let needs = |f: &str| KERNEL_SOURCES.iter().find(|s| s.file == f).unwrap().needs();
        assert_eq!(needs("tinyml_logistic.c"), ["tinyml_sigmoid_lut.c", "tinyml_gemmlowp.c"]);
        assert_eq!(needs("tinyml_softmax.c"), ["tinyml_gemmlowp.c"]);
        assert_eq!(needs("tinyml_elementwise.c"), ["tinyml_gemmlowp.c"]);
        assert_eq!(needs("tinyml_l2_normalization.c"), ["tinyml_elementwise.c", "tinyml_gemmlowp.c"]);
        assert_eq!(needs("tinyml_log_softmax.c"), ["tinyml_elementwise.c", "tinyml_gemmlowp.c"]);
        assert_eq!(needs("tinyml_lstm.c"), ["tinyml_logistic.c", "tinyml_gemmlowp.c"]);
        let with_needs = [
            "tinyml_logistic.c",
            "tinyml_softmax.c",
            "tinyml_elementwise.c",
            "tinyml_l2_normalization.c",
            "tinyml_log_softmax.c",
            "tinyml_lstm.c",
        ];
        let others: Vec<&str> = KERNEL_SOURCES
            .iter()
            .filter(|s| !with_needs.contains(&s.file) && !s.needs().is_empty())
            .map(|s| s.file)
            .collect();
        assert!(others.is_empty(), "{others:?}");
    }

    #[test]
    fn every_declared_function_has_one_definition() {
        let declared = declared_functions();
        assert!(declared.len() > 80, "{declared:?}");
        for f in declared {
            let n = KERNEL_SOURCES.iter().filter(|s| s.defines(f.name)).count();
            assert_eq!(n, 1, "{} is defined in {n} files", f.name);
        }
        let counted: Vec<&str> = declared_functions().iter().filter(|f| f.counted).map(|f| f.name).collect();
        assert!(counted.contains(&"logistic_s8") && counted.contains(&"cast_f32_f32") && !counted.contains(&"add_s8"));
    }
}
