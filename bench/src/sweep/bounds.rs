//! The bounds a cell must meet: instructions per MAC (per output element for ADD, SUB,
//! MUL and the activations) of the optimized kernels on `mps3-an547`, and optimized vs
//! reference on the M33 and M4 boards. Cells whose outputs each sum fewer than
//! [`MIN_FAN_IN`] products, and elementwise cells (activations included) under
//! [`MIN_ELEMENTS`], are degenerate: reported, not bounded. Pools and concatenation have
//! no per-unit bound on `mps3-an547` (the issue sets none); the activations take the
//! elementwise operators' bound there, the issue's one figure for elementwise work. On
//! the M33 and M4 boards every cell is held to a third of the reference, as the issue
//! asks.

use super::grid::{Cell, Family};

/// Fewest products per output for a MAC cell to be bounded.
pub const MIN_FAN_IN: u64 = 9;
/// Fewest output elements for an ADD, SUB or MUL cell to be bounded.
pub const MIN_ELEMENTS: u64 = 256;
/// Largest optimized/reference instruction ratio on the boards without Helium.
pub const MAX_RATIO: f64 = 1.0 / 3.0;

/// What a cell is held to on a board.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// Optimized instructions per MAC (or element) at most `limit`.
    PerUnit {
        /// The limit.
        limit: f64,
        /// Which rule, in words.
        rule: &'static str,
    },
    /// Optimized instructions at most [`MAX_RATIO`] times the reference's.
    Ratio,
}

impl Bound {
    /// The limit and its rule in words, for reports.
    pub fn describe(self) -> String {
        match self {
            Bound::PerUnit { limit, rule } => format!("<= {limit:.2} ({rule})"),
            Bound::Ratio => "opt/ref <= 1/3".into(),
        }
    }
}

/// Whether `cell` is degenerate (too little work per output to bound).
pub fn degenerate(cell: &Cell) -> bool {
    match cell.family {
        Family::Conv | Family::Depthwise => cell.fan_in < MIN_FAN_IN,
        Family::Add | Family::Sub | Family::Mul | Family::Activation => cell.elements < MIN_ELEMENTS,
        Family::AvgPool | Family::MaxPool | Family::Concat => false,
    }
}

/// The bound of `cell` on `board`, if any.
pub fn bound(board: &str, cell: &Cell) -> Option<Bound> {
    if degenerate(cell) {
        return None;
    }
    match board {
        "mps3-an547" => per_unit_bound(cell),
        "mps2-an505" | "mps2-an386" => Some(Bound::Ratio),
        _ => None,
    }
}

fn per_unit_bound(cell: &Cell) -> Option<Bound> {
    let (cin, taps) = (cell.param("in_channels"), cell.taps());
    let b = |limit, rule| Some(Bound::PerUnit { limit, rule });
    match cell.family {
        Family::Conv if taps == 1 && cin >= 16 => b(0.40, "pointwise conv, >=16 input channels"),
        Family::Conv if cin >= 8 => b(0.6, "conv, >=8 input channels"),
        Family::Conv if (1..=4).contains(&cin) && taps >= 9 => b(1.2, "conv, 1-4 input channels, >=3x3"),
        Family::Depthwise if cin >= 4 && taps >= 9 => b(2.5, "depthwise, >=4 channels, >=3x3"),
        Family::Add | Family::Sub | Family::Mul | Family::Activation => b(2.5, "elementwise, >=256 elements"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv(family: Family, cin: u64, kh: u64, kw: u64) -> Cell {
        let fan_in = kh * kw * if family == Family::Conv { cin } else { 1 };
        Cell {
            name: "c".into(),
            family,
            model: Default::default(),
            fan_in,
            elements: 100,
            params: json!({"in_channels": cin, "kernel": [kh, kw]}),
        }
    }

    #[test]
    fn rules_follow_the_issue() {
        let limit = |c: &Cell| match bound("mps3-an547", c) {
            Some(Bound::PerUnit { limit, .. }) => Some(limit),
            _ => None,
        };
        assert_eq!(limit(&conv(Family::Conv, 16, 1, 1)), Some(0.40));
        assert_eq!(limit(&conv(Family::Conv, 12, 1, 1)), Some(0.6));
        assert_eq!(limit(&conv(Family::Conv, 8, 3, 3)), Some(0.6));
        assert_eq!(limit(&conv(Family::Conv, 3, 3, 3)), Some(1.2));
        assert_eq!(limit(&conv(Family::Conv, 3, 7, 1)), None);
        assert_eq!(limit(&conv(Family::Conv, 5, 3, 3)), None);
        // 1x1 on 1 channel: one product per output, degenerate everywhere.
        assert_eq!(bound("mps2-an505", &conv(Family::Conv, 1, 1, 1)), None);
        assert_eq!(limit(&conv(Family::Depthwise, 4, 3, 3)), Some(2.5));
        assert_eq!(limit(&conv(Family::Depthwise, 64, 7, 1)), None);
        assert_eq!(bound("mps2-an386", &conv(Family::Depthwise, 64, 3, 3)), Some(Bound::Ratio));
        assert_eq!(bound("mps2-an386", &conv(Family::Depthwise, 64, 7, 1)), None);
        // Pools and concatenation: a third of the reference on the M33 and M4 only.
        let pool = Cell { fan_in: 0, params: json!({"filter": [3, 3]}), ..conv(Family::MaxPool, 8, 3, 3) };
        assert_eq!(bound("mps3-an547", &pool), None);
        assert_eq!(bound("mps2-an505", &pool), Some(Bound::Ratio));
        let concat = Cell { family: Family::Concat, ..pool.clone() };
        assert_eq!(bound("mps2-an386", &concat), Some(Bound::Ratio));
        // Activations: elementwise, degenerate below 256 elements.
        let act = |elements| Cell { family: Family::Activation, elements, ..pool.clone() };
        assert_eq!(limit(&act(256)), Some(2.5));
        assert_eq!(bound("mps3-an547", &act(16)), None);
        assert_eq!(bound("mps2-an505", &act(4096)), Some(Bound::Ratio));
    }
}
