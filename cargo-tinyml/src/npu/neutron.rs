//! NXP's eIQ Neutron converter for the MCX N94x's Neutron NPU, run as
//!
//! ```text
//! neutron-converter --input MODEL --output TMP/<model>_mcxn94x.tflite --target mcxn94x --dump-header-file-output
//! ```
//!
//! Sources: the command line is the one NXP's MCUXpresso SDK gives for this target
//! (nxp-mcuxpresso/mcuxsdk-examples, `eiq_examples/tflm_cifar10/readme.md`, "Convert for
//! mcxn94x target"; `mcxn94x` covers frdmmcxn947 there), the same form as
//! nxp-mcuxpresso/mcuxsdk-middleware-tensorflow `docs/topics/convert_model.md`, which adds
//! that the header is written beside the output as `<output stem>.h`. The output is a
//! `.tflite` in which the operators the NPU takes become custom operators `NeutronGraph`
//! and the others stay builtin operators run on the CPU (the same readme; the name is
//! the one NXP's TFLM kernel registers). The converter's console prints "Overall
//! statistics for graph "main"" with `Total data = N (bytes)` and `Total weights = N
//! (bytes)` (same readme), read when present.
//!
//! Not known from these sources: which operators of the input model each `NeutronGraph`
//! stands for (the output model does not say), so the placement is per operator of the
//! output model.

use super::vela::Target;
use super::vendor::{self, ToolError, Vendor};
use serde::Serialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use tinyml_compiler::npu::neutron_model;

/// The `--target` for the MCX N94x/N54x.
pub const TARGET: &str = "mcxn94x";

/// One operator of the converted model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NeutronOp {
    /// Its index in the converted model.
    pub index: usize,
    /// Its name: `NeutronGraph`, or the builtin operator's.
    pub op: String,
    /// NPU for a `NeutronGraph`, else CPU.
    pub target: Target,
}

/// What `neutron-converter` did with a model.
#[derive(Clone, Debug, Serialize)]
pub struct NeutronReport {
    /// `neutron-converter`.
    pub compiler: &'static str,
    /// `mcxn94x`.
    pub target: &'static str,
    /// The command line run.
    pub command: Vec<String>,
    /// Operators of the input model.
    pub input_operators: usize,
    /// Operators of the converted model, in order.
    pub operators: Vec<NeutronOp>,
    /// `NeutronGraph` operators (on the NPU).
    pub npu_operators: usize,
    /// Builtin operators left to the CPU.
    pub cpu_operators: usize,
    /// "Total data" of graph main (inputs, outputs, intermediate tensors), bytes.
    pub total_data_bytes: Option<u64>,
    /// "Total weights" of graph main, bytes.
    pub total_weights_bytes: Option<u64>,
}

/// Where the converted model is written in `dir`.
pub fn output_path(model: &Path, dir: &Path) -> PathBuf {
    let stem = model.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    dir.join(format!("{stem}_{TARGET}.tflite"))
}

/// The arguments after `neutron-converter`.
pub fn command_line(model: &Path, output: &Path) -> Vec<OsString> {
    vec![
        "--input".into(),
        model.as_os_str().to_owned(),
        "--output".into(),
        output.as_os_str().to_owned(),
        "--target".into(),
        TARGET.into(),
        "--dump-header-file-output".into(),
    ]
}

/// Runs the converter on `model` (found as [`vendor::find`] does) and reads its output model.
pub fn analyze(model: &Path, compiler: Option<&Path>) -> anyhow::Result<NeutronReport> {
    let input = std::fs::read(model).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", model.display()))?;
    let input_operators = neutron_model::operators(&input).map(|ops| ops.len())?;
    let tool = vendor::find(Vendor::Neutron, compiler)?;
    let dir = vendor::temp_dir(Vendor::Neutron)?;
    let output = output_path(model, &dir);
    let args = command_line(model, &output);
    let result = vendor::run(Vendor::Neutron, &tool, &args, model).and_then(|console| {
        let bytes = std::fs::read(&output).map_err(|e| ToolError::Layout {
            vendor: Vendor::Neutron,
            reason: format!("no converted model at --output {}: {e}", output.display()),
        })?;
        read(&bytes, &console, input_operators, vendor::shown(&tool, &args))
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result?)
}

/// Reads the converted model `bytes` and the converter's `console`.
pub fn read(
    bytes: &[u8],
    console: &str,
    input_operators: usize,
    command: Vec<String>,
) -> Result<NeutronReport, ToolError> {
    let ops = neutron_model::operators(bytes)
        .map_err(|e| ToolError::Layout { vendor: Vendor::Neutron, reason: e.to_string() })?;
    let operators: Vec<NeutronOp> = ops
        .into_iter()
        .map(|o| NeutronOp { index: o.index, target: if o.on_npu { Target::Npu } else { Target::Cpu }, op: o.name })
        .collect();
    let npu_operators = operators.iter().filter(|o| o.target == Target::Npu).count();
    let total = |key: &str| {
        console.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| vendor::number(v.split_whitespace().next()?)).flatten()
        })
    };
    Ok(NeutronReport {
        compiler: Vendor::Neutron.tool(),
        target: TARGET,
        command,
        input_operators,
        npu_operators,
        cpu_operators: operators.len() - npu_operators,
        operators,
        total_data_bytes: total("Total data"),
        total_weights_bytes: total("Total weights"),
    })
}
