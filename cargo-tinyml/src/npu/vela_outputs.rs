//! Reading Vela's output files back (`crate::npu::vela` runs it): the per-layer CSV, the
//! debug database, the summary CSV, the console (for the CPU reasons) and the output
//! model's `ethos-u` operators.

use super::vela_report::{Target, VelaLayer, VelaReport, VelaSummary};
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads Vela's files for `model` from `dir` (named after the model's file stem).
pub fn read_outputs(
    dir: &Path,
    model: &Path,
    accelerator: &str,
    vela_version: &str,
    console: &str,
) -> anyhow::Result<VelaReport> {
    let stem = model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("Vela did not write {}", p.display()))
    };
    let summary_name = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&format!("{stem}_summary_")) && n.ends_with(".csv"))
        .with_context(|| format!("Vela wrote no {stem}_summary_*.csv in {}", dir.display()))?;
    let summary = parse_summary(&read(&summary_name)?)?;
    let per_layer = read(&format!("{stem}_per-layer.csv"))?;
    let debug_db = read(&format!("{stem}_debug.xml"))?;
    let layers = layers(&per_layer, &debug_db, console)?;
    let vela_model = dir.join(format!("{stem}_vela.tflite"));
    let bytes = std::fs::read(&vela_model).with_context(|| format!("Vela did not write {}", vela_model.display()))?;
    let ethos_u = super::offload::ethos_u_ops(&bytes)?;
    Ok(VelaReport {
        accelerator_config: accelerator.to_owned(),
        vela_version: vela_version.to_owned(),
        summary,
        layers,
        ethos_u,
    })
}

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes) into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    rows
}

/// CSV rows as maps from the header's column names.
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows = parse_csv(text).into_iter();
    let Some(header) = rows.next() else { return Vec::new() };
    rows.map(|r| header.iter().cloned().zip(r).collect()).collect()
}

fn field<'a>(rec: &'a BTreeMap<String, String>, key: &str, what: &str) -> anyhow::Result<&'a str> {
    rec.get(key).map(|s| s.trim()).with_context(|| format!("{what}: no column {key:?} (Vela's format changed?)"))
}

fn number(rec: &BTreeMap<String, String>, key: &str, what: &str) -> anyhow::Result<f64> {
    let s = field(rec, key, what)?;
    if s.is_empty() {
        return Ok(0.0);
    }
    s.parse::<f64>().with_context(|| format!("{what}: column {key:?} is not a number: {s:?}"))
}

fn count(rec: &BTreeMap<String, String>, key: &str, what: &str) -> anyhow::Result<u64> {
    let v = number(rec, key, what)?;
    if v < 0.0 || v.fract() != 0.0 {
        bail!("{what}: column {key:?} is not a count: {v}");
    }
    Ok(v as u64)
}

/// Parses Vela's summary CSV (one header row, one data row).
pub fn parse_summary(text: &str) -> anyhow::Result<VelaSummary> {
    let what = "Vela summary CSV";
    let recs = records(text);
    let Some(r) = recs.first() else { bail!("{what} is empty") };
    let kib = |key: &str| number(r, key, what).map(|k| (k * 1024.0).round() as u64);
    Ok(VelaSummary {
        accelerator: field(r, "accelerator_configuration", what)?.to_owned(),
        system_config: field(r, "system_config", what)?.to_owned(),
        memory_mode: field(r, "memory_mode", what)?.to_owned(),
        clock_hz: number(r, "core_clock", what)?.round() as u64,
        cycles_total: count(r, "cycles_total", what)?,
        cycles_npu: count(r, "cycles_npu", what)?,
        sram_bytes: kib("sram_memory_used")?,
        off_chip_flash_bytes: kib("off_chip_flash_memory_used")?,
        on_chip_flash_bytes: kib("on_chip_flash_memory_used")?,
        dram_bytes: kib("dram_memory_used")?,
        macs: count(r, "nn_macs", what)?,
        inference_time_s: number(r, "inference_time", what)?,
    })
}

/// The text of table `name` in Vela's debug database (a CSV inside a CDATA section).
pub fn debug_table<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<table name=\"{name}\">"))?;
    let rest = &xml[start..];
    let open = rest.find("<![CDATA[")? + "<![CDATA[".len();
    let close = rest[open..].find("]]>")?;
    Some(rest[open..open + close].trim())
}

/// Why Vela left operators on the CPU, by output tensor name, from its console output.
/// Two formats: the default (C++) core prints
/// `Warning (supported operators) operator: CAST, ofm: 'name'` then `Reason: ...` and
/// detail lines up to a blank line; the legacy Python core prints
/// `Warning: ... 'name' ... Placing on CPU instead` then ` - reason` lines.
pub fn cpu_reasons(console: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = console.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let name = if line.starts_with("Warning (supported operators) operator:") {
            line.split_once("ofm: '").and_then(|(_, r)| r.strip_suffix('\'')).map(str::to_owned)
        } else if line.starts_with("Warning:") && line.ends_with("Placing on CPU instead") {
            let (a, b) = (line.find('\''), line.rfind('\''));
            match (a, b) {
                (Some(a), Some(b)) if b > a => Some(line[a + 1..b].to_owned()),
                _ => None,
            }
        } else {
            None
        };
        i += 1;
        let Some(name) = name else { continue };
        let mut reason = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && !lines[i].starts_with("Warning") {
            let l = lines[i].trim();
            let l = l.strip_prefix("Reason:").or_else(|| l.strip_prefix("- ")).unwrap_or(l).trim();
            reason.push(l.to_owned());
            i += 1;
        }
        let text = reason.join(" ");
        out.entry(name)
            .and_modify(|r: &mut String| {
                r.push_str("; ");
                r.push_str(&text)
            })
            .or_insert(text);
    }
    out
}

/// Joins the per-layer CSV with the debug database (same rows, same order; checked) and
/// folds the lowered rows into one entry per operator of the model.
pub fn layers(per_layer_csv: &str, debug_xml: &str, console: &str) -> anyhow::Result<Vec<VelaLayer>> {
    let rows = records(per_layer_csv);
    let perf = records(debug_table(debug_xml, "perf").context("Vela's debug database has no table \"perf\"")?);
    let source = records(debug_table(debug_xml, "source").context("Vela's debug database has no table \"source\"")?);
    if rows.len() != perf.len() {
        bail!("Vela's per-layer CSV has {} rows, its debug database {}: cannot join them", rows.len(), perf.len());
    }
    let (wcsv, wdb) = ("Vela per-layer CSV", "Vela debug database");
    let mut ext: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for s in &source {
        let key = count(s, "ext_key", wdb)? as usize;
        ext.insert(field(s, "id", wdb)?.to_owned(), (key, field(s, "operator", wdb)?.to_owned()));
    }
    let reasons = cpu_reasons(console);
    // Every operator of the model is in `source`; one Vela removes (a RESHAPE inside an NPU
    // subgraph becomes a view of its input) has no lowered row and stays at 0 cycles, on
    // the NPU side of the partition.
    let mut by_index: BTreeMap<usize, VelaLayer> = ext
        .values()
        .map(|(index, op)| {
            let layer = VelaLayer {
                index: *index,
                op: op.clone(),
                target: Target::Npu,
                reason: None,
                cycles: 0,
                npu_cycles: 0,
                sram_bytes: 0,
                macs: 0,
                lowered: 0,
                command_stream: None,
            };
            (*index, layer)
        })
        .collect();
    // The command stream each lowered row was emitted into (table `queue`, by perf id).
    let mut stream_of: BTreeMap<String, u32> = BTreeMap::new();
    if let Some(queue) = debug_table(debug_xml, "queue") {
        for q in records(queue) {
            stream_of.insert(field(&q, "scheduled_id", wdb)?.to_owned(), count(&q, "cmdstream_id", wdb)? as u32);
        }
    }
    for (k, (row, p)) in rows.iter().zip(&perf).enumerate() {
        let (name, op) = (field(row, "Name", wcsv)?, field(row, "NNG Operator", wcsv)?);
        if name != field(p, "name", wdb)? || op != field(p, "operator", wdb)? {
            bail!("row {k} of Vela's per-layer CSV ({op} {name:?}) is not row {k} of its debug database");
        }
        let source_id = field(p, "source_id", wdb)?;
        let &(index, ref original) =
            ext.get(source_id).with_context(|| format!("{wdb}: source id {source_id} has no ext_key"))?;
        let target = match field(row, "Target", wcsv)? {
            "NPU" => Target::Npu,
            "CPU" => Target::Cpu,
            t => bail!("{wcsv}: unknown Target {t:?}"),
        };
        let l = by_index.get_mut(&index).expect("every source id is in by_index");
        debug_assert_eq!(&l.op, original);
        // An operator is on the NPU only if all of its lowered rows are.
        if target == Target::Cpu {
            l.target = Target::Cpu;
            if let Some(r) = reasons.get(name) {
                l.reason = Some(r.clone());
            }
        }
        l.cycles += count(row, "Op Cycles", wcsv)?;
        l.npu_cycles += count(row, "NPU", wcsv)?;
        l.sram_bytes = l.sram_bytes.max(count(row, "Staging Usage", wcsv)?);
        l.macs += count(row, "MAC Count", wcsv)?;
        l.lowered += 1;
        if let Some(&cs) = stream_of.get(field(p, "id", wdb)?) {
            l.command_stream = Some(cs);
        }
    }
    Ok(by_index.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npu::vela_report::{partition, Segment};

    #[test]
    fn csv_handles_quotes_commas_and_doubled_quotes() {
        let rows = parse_csv("a,b,c\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n2,,\n");
        assert_eq!(rows, vec![vec!["a", "b", "c"], vec!["1", "x,y", "say \"hi\""], vec!["2", "", ""]]);
    }

    #[test]
    fn reasons_of_both_vela_cores_are_read_by_output_tensor() {
        let console = "\
Warning: No memory mode specified.

Warning (supported operators) operator: MAXIMUM, ofm: 'clip_by_value'
Reason: Unsupported dataType Int32
32-bit feature-maps are not supported.

Warning (supported operators) operator: CAST, ofm: 'Cast:0'
Reason: Unsupported opType

Warning: Unsupported TensorFlow Lite semantics for TRANSPOSE 'perm'. Placing on CPU instead
 - Permutation is not supported
";
        let r = cpu_reasons(console);
        assert_eq!(r["clip_by_value"], "Unsupported dataType Int32 32-bit feature-maps are not supported.");
        assert_eq!(r["Cast:0"], "Unsupported opType");
        assert_eq!(r["perm"], "Permutation is not supported");
        assert_eq!(r.len(), 3);
    }

    const PER_LAYER: &str = "\
Original Operator,NNG Operator,Target,Staging Usage,Peak% (Staging),Op Cycles,Network% (cycles),NPU,SRAM AC,DRAM AC,OnFlash AC,OffFlash AC,MAC Count,Network% (MAC),Util% (MAC),Name
Conv2D,Conv2D,NPU,12976,58.4,26185,29.1,26185,6040,0,0,5760,320000,12.0,9.5,conv
Conv2D,Relu,NPU,0,0.0,0,0.0,0,0,0,0,0,0,0.0,100,conv
Cast,Passthrough,CPU,0,0.0,0,0.0,0,0,0,0,0,0,100,100,Cast:0
Softmax,MaxPool,NPU,32,0.1,134,0.1,134,12,0,0,0,12,0.0,0.07,sm_0
Softmax,Sub,NPU,96,0.4,24,0.0,24,11,0,0,0,0,0.0,0.0,sm_1
";
    const DEBUG_DB: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<debug source="out/m">
<table name="perf">
<![CDATA[
"id","source_id","optimised_id","operator","name","staging_usage","op_cycles"
133,1,115,"Conv2D","conv",12976,26185
138,1,114,"Relu","conv",0,0
140,3,113,"Passthrough","Cast:0",0,0
141,2,112,"MaxPool","sm_0",32,134
142,2,111,"Sub","sm_1",96,24
]]>
</table>
<table name="queue">
<![CDATA[
"offset","cmdstream_id","optimised_id","scheduled_id"
328,1,115,133
412,1,115,133
500,2,112,141
520,2,111,142
]]>
</table>
<table name="source">
<![CDATA[
"id","operator","kernel_w","kernel_h","ofm_w","ofm_h","ofm_d","ext_key"
1,"Conv2D",1,1,5,25,64,0
2,"Softmax",1,1,1,1,12,2
3,"Cast",1,1,1,1,12,1
4,"Reshape",1,1,1,1,12,3
]]>
</table>
</debug>
"#;

    #[test]
    fn lowered_rows_fold_into_the_model_operators() {
        let console = "Warning (supported operators) operator: CAST, ofm: 'Cast:0'\nReason: Unsupported opType\n";
        let l = layers(PER_LAYER, DEBUG_DB, console).unwrap();
        assert_eq!(l.len(), 4);
        assert_eq!((l[3].op.as_str(), l[3].target, l[3].cycles, l[3].lowered), ("Reshape", Target::Npu, 0, 0));
        assert_eq!((l[0].index, l[0].op.as_str(), l[0].target), (0, "Conv2D", Target::Npu));
        assert_eq!((l[0].cycles, l[0].sram_bytes, l[0].macs, l[0].lowered), (26185, 12976, 320000, 2));
        assert_eq!((l[1].index, l[1].target, l[1].reason.as_deref()), (1, Target::Cpu, Some("Unsupported opType")));
        assert_eq!((l[2].index, l[2].op.as_str(), l[2].cycles, l[2].sram_bytes), (2, "Softmax", 158, 96));
        assert_eq!((l[0].command_stream, l[1].command_stream, l[2].command_stream), (Some(1), None, Some(2)));
        // Conv (stream 1) | Cast on the CPU | Softmax (stream 2) + the removed Reshape.
        let seg = |target, command_stream, first, last| Segment { target, command_stream, first, last };
        assert_eq!(
            partition(&l),
            [seg(Target::Npu, Some(1), 0, 0), seg(Target::Cpu, None, 1, 1), seg(Target::Npu, Some(2), 2, 3)]
        );
    }

    #[test]
    fn rows_that_do_not_line_up_are_refused() {
        let swapped = PER_LAYER.replace(",sm_1\n", ",sm_x\n");
        let e = layers(&swapped, DEBUG_DB, "").unwrap_err().to_string();
        assert!(e.contains("row 4"), "{e}");
    }

    #[test]
    fn summary_reads_the_totals() {
        let s = parse_summary(
            "accelerator_configuration,system_config,memory_mode,core_clock,cycles_total,cycles_npu,sram_memory_used,dram_memory_used,on_chip_flash_memory_used,off_chip_flash_memory_used,nn_macs,inference_time\n\
             Ethos_U55_128,Ethos_U55_High_End_Embedded,Shared_Sram,500000000.0,89900,88902,21.671875,0.0,0.0,30.375,2664792,0.0001798\n",
        )
        .unwrap();
        assert_eq!((s.cycles_total, s.cycles_npu, s.clock_hz), (89900, 88902, 500_000_000));
        assert_eq!((s.sram_bytes, s.off_chip_flash_bytes, s.macs), (22192, 31104, 2664792));
    }
}
