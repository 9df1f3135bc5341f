//! `.npy` interchange with NumPy itself: files numpy writes (every supported type, 0-D
//! to 4-D, format 1.0 and 2.0) read back with the same shape and bytes, files this crate
//! writes load in numpy unchanged, and what numpy can write but we refuse (Fortran
//! order, big endian, objects, float64) gives the matching error. Needs a Python with
//! numpy (`TINYML_PYTHON`, `.venv/bin/python` or `python3`); skipped without one
//! outside CI.

mod support;

use std::process::Command;

use tinyml_compiler::formats::npy::{self, NpyError};

/// Writes numpy's files into the directory given as argv[1]: `<name>.npy` plus
/// `<name>.raw` (the C-order bytes) and `<name>.json` (dtype and shape).
const WRITE: &str = r#"
import json, sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
cases = {}
for t in ["i1", "u1", "i2", "i4", "u4", "i8", "u8", "f4", "b1"]:
    for shape in [(), (5,), (2, 3), (1, 4, 3, 2), (0, 3)]:
        dt = np.dtype(t)
        if dt.kind == "f":
            a = rng.normal(size=shape).astype(dt)
        elif dt.kind == "b":
            a = rng.integers(0, 2, size=shape).astype(bool)
        else:
            info = np.iinfo(dt)
            a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        cases[f"{t}_{'x'.join(map(str, shape)) or 'scalar'}"] = a
for name, a in cases.items():
    np.save(f"{d}/{name}.npy", a)
    open(f"{d}/{name}.raw", "wb").write(np.ascontiguousarray(a).tobytes())
    json.dump({"descr": a.dtype.str, "shape": list(a.shape)}, open(f"{d}/{name}.json", "w"))
# Format 2.0, forced.
np.lib.format.write_array(open(f"{d}/v2.npy", "wb"), np.arange(6, dtype="<i4"), version=(2, 0))
open(f"{d}/v2.raw", "wb").write(np.arange(6, dtype="<i4").tobytes())
json.dump({"descr": "<i4", "shape": [6]}, open(f"{d}/v2.json", "w"))
# Refused.
np.save(f"{d}/bad_fortran.npy", np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)))
# np.save keeps a transposed view in Fortran order rather than copying it.
np.save(f"{d}/bad_transposed.npy", np.arange(12, dtype="<i2").reshape(3, 4).T)
np.save(f"{d}/bad_bigendian.npy", np.arange(6, dtype=">i4"))
np.save(f"{d}/bad_object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
np.save(f"{d}/bad_float64.npy", np.arange(3, dtype="<f8"))
"#;

/// Loads every `.npy` this test wrote in argv[1] and checks it against the `.raw` and
/// `.json` numpy wrote; prints "ok N".
const CHECK: &str = r#"
import glob, json, os, sys, numpy as np
n = 0
for p in sorted(glob.glob(f"{sys.argv[1]}/*.rust.npy")):
    base = p[: -len(".rust.npy")]
    meta = json.load(open(base + ".json"))
    a = np.load(p, allow_pickle=False)
    assert a.dtype.str == np.dtype(meta["descr"]).str, (p, a.dtype.str, meta)
    assert list(a.shape) == meta["shape"], (p, a.shape, meta)
    assert a.tobytes() == open(base + ".raw", "rb").read(), p
    n += 1
print("ok", n)
"#;

#[test]
fn numpy_round_trip() {
    let py = support::python();
    let probe = Command::new(&py).args(["-c", "import numpy"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        return support::skip("oracle_npy", &format!("{} cannot import numpy", py.display()), support::INSTALL_HINT);
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("npy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(&py).arg("-c").arg(WRITE).arg(&dir).output().unwrap();
    assert!(out.status.success(), "numpy writer failed: {}", String::from_utf8_lossy(&out.stderr));

    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".npy") else { continue };
        let bytes = std::fs::read(&path).unwrap();
        let result = npy::read(&bytes);
        match stem {
            "bad_fortran" | "bad_transposed" => assert_eq!(result.unwrap_err(), NpyError::FortranOrder),
            "bad_bigendian" => assert_eq!(result.unwrap_err(), NpyError::BigEndian(">i4".into())),
            "bad_object" => assert_eq!(result.unwrap_err(), NpyError::Pickle),
            "bad_float64" => assert_eq!(result.unwrap_err(), NpyError::DType("<f8".into())),
            _ => {
                let a = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                let meta: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{stem}.json"))).unwrap()).unwrap();
                let shape: Vec<usize> =
                    meta["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
                assert_eq!(a.shape, shape, "{name}");
                assert_eq!(a.data, std::fs::read(dir.join(format!("{stem}.raw"))).unwrap(), "{name}");
                // Our writer's descr must be numpy's own spelling of the type.
                let descr = meta["descr"].as_str().unwrap();
                let ours = npy::write(&a);
                let header = String::from_utf8_lossy(&ours[10..ours.len() - a.data.len()]).to_string();
                assert!(header.contains(&format!("'descr': '{descr}'")), "{name}: {header}");
                std::fs::write(dir.join(format!("{stem}.rust.npy")), ours).unwrap();
                read += 1;
            }
        }
    }
    assert!(read >= 46, "only {read} numpy files read");
    let out = Command::new(&py).arg("-c").arg(CHECK).arg(&dir).output().unwrap();
    assert!(out.status.success(), "numpy rejected a file we wrote: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("ok {read}"));
    let _ = std::fs::remove_dir_all(&dir);
}
