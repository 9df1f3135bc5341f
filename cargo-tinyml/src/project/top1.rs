//! The top-1 class of a run: the firmware prints its raw output vector
//! (`tinyml: output0 = [-128, 127, ...]`); `run` adds the index of the largest value and,
//! when the project has `model/labels.txt` (one label per line, in class order), its label.

use std::path::Path;

/// The top-1 class of an output vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Top1 {
    /// Class index (the first of equal maxima).
    pub index: usize,
    /// The raw output value.
    pub value: i64,
    /// Its label from `model/labels.txt`.
    pub label: Option<String>,
}

impl std::fmt::Display for Top1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tinyml: top-1 = class {}", self.index)?;
        if let Some(label) = &self.label {
            write!(f, " \"{label}\"")?;
        }
        write!(f, " (output {})", self.value)
    }
}

/// The top-1 class of the last `tinyml: output0 = [...]` line of `stdout`, labelled from
/// `project_root/model/labels.txt` when present; `None` when the firmware printed no
/// output vector of integers (a custom program).
pub fn of_run(stdout: &str, project_root: &Path) -> Option<Top1> {
    let values = stdout.lines().rev().find_map(|l| parse_vector(l.trim().strip_prefix("tinyml: output0 = ")?))?;
    let (index, &value) = values.iter().enumerate().rev().max_by_key(|(_, v)| **v)?;
    let labels = std::fs::read_to_string(project_root.join("model/labels.txt")).unwrap_or_default();
    let label = labels.lines().map(str::trim).filter(|l| !l.is_empty()).nth(index).map(str::to_owned);
    Some(Top1 { index, value, label })
}

/// `[1, -2, 3]` as integers.
fn parse_vector(s: &str) -> Option<Vec<i64>> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    inner.split(',').map(|v| v.trim().parse().ok()).collect::<Option<Vec<i64>>>().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_equal_maxima_wins() {
        let t = of_run("tinyml: output0 = [5, 9, 9, -1]\n", Path::new("/nonexistent")).unwrap();
        assert_eq!((t.index, t.value, t.label), (1, 9, None));
        assert!(of_run("tinyml: output0 = [0.5]\n", Path::new("/nonexistent")).is_none());
    }
}
