//! The no-reuse strategy: each buffer after the previous one. The arena is the sum of
//! all buffers; useful as a baseline and to rule the planner out when debugging.

use super::buffer::{align_up, Buffer, MemoryPlanner};

/// Every buffer gets its own bytes.
pub struct Linear;

impl MemoryPlanner for Linear {
    fn place(&self, buffers: &[Buffer]) -> Vec<usize> {
        let mut next = 0;
        buffers
            .iter()
            .map(|b| {
                let at = next;
                next = align_up(at + b.bytes);
                at
            })
            .collect()
    }
}
