//! Errors as JSON for `--json` runs: `{"error": {...}}` on stdout with the fields of the
//! text form (message, causes, hint, exit code) and, where the error has them, its
//! structured parts (the model's problem and unsupported operators, the fit verdict).

use super::{causes, does_not_fit, exit_code, hint, model_error};
use crate::fit::DoesNotFit;
use crate::model_check::Problem;
use serde_json::{json, Map, Value};
use std::process::ExitCode;

/// Prints `err` as JSON on stdout and returns the exit code.
pub fn render(err: &anyhow::Error) -> ExitCode {
    println!("{}", serde_json::to_string_pretty(&value(err)).expect("JSON values serialize"));
    ExitCode::from(exit_code(err))
}

/// The JSON form of `err`.
pub fn value(err: &anyhow::Error) -> Value {
    let mut e = Map::new();
    e.insert("message".into(), err.to_string().into());
    e.insert("causes".into(), causes(err).into());
    e.insert("hint".into(), hint(err).map_or(Value::Null, Value::from));
    e.insert("exit_code".into(), exit_code(err).into());
    if let Some(m) = model_error(err) {
        e.insert("model".into(), m.path.display().to_string().into());
        let (problem, extra) = match &m.problem {
            Problem::NotTflite => ("not_tflite", None),
            Problem::Float { tensor } => ("float_model", Some(("tensor", json!(tensor)))),
            Problem::UnsupportedOps(ops) => (
                "unsupported_ops",
                Some((
                    "unsupported_ops",
                    ops.iter().map(|(op, count)| json!({ "op": op, "count": count })).collect::<Vec<_>>().into(),
                )),
            ),
            Problem::Other => ("other", None),
        };
        e.insert("problem".into(), problem.into());
        if let Some((k, v)) = extra {
            e.insert(k.into(), v);
        }
    }
    match does_not_fit(err) {
        Some(DoesNotFit::Estimate { fit, .. }) => {
            e.insert("fit".into(), serde_json::to_value(fit).expect("Fit serializes"));
        }
        Some(DoesNotFit::Linked { board, region, capacity, bytes, section }) => {
            e.insert(
                "fit".into(),
                json!({ "board": board, "region": region, "capacity": capacity, "over_bytes": bytes, "section": section, "fits": false }),
            );
        }
        None => {}
    }
    json!({ "error": e })
}
