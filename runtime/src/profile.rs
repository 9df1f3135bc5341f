//! Per-layer profiling hooks.
//!
//! Generated code wraps every layer in [`layer!`](crate::layer). With the `profile`
//! feature off the macro expands to the layer body alone, so a normal build carries no
//! trace of profiling. With it on, the body is bracketed by calls to the hooks a firmware
//! registers with [`set_hooks`].

/// Functions the firmware supplies to timestamp layers (a cycle counter read, a record
/// write). Plain function pointers keep the runtime free of any transport.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// Called before layer `index` runs.
    pub layer_start: fn(index: u16),
    /// Called after layer `index` ran.
    pub layer_end: fn(index: u16),
}

#[cfg(feature = "profile")]
mod imp {
    use super::Hooks;
    use core::sync::atomic::{AtomicPtr, Ordering};

    static HOOKS: AtomicPtr<Hooks> = AtomicPtr::new(core::ptr::null_mut());

    /// Registers the hooks called around every layer.
    pub fn set_hooks(hooks: &'static Hooks) {
        HOOKS.store(hooks as *const Hooks as *mut Hooks, Ordering::Release);
    }

    #[doc(hidden)]
    #[inline(always)]
    pub fn start(index: u16) {
        let h = HOOKS.load(Ordering::Acquire);
        if !h.is_null() {
            // SAFETY: only ever set from a `&'static Hooks`.
            (unsafe { &*h }.layer_start)(index)
        }
    }

    #[doc(hidden)]
    #[inline(always)]
    pub fn end(index: u16) {
        let h = HOOKS.load(Ordering::Acquire);
        if !h.is_null() {
            // SAFETY: only ever set from a `&'static Hooks`.
            (unsafe { &*h }.layer_end)(index)
        }
    }
}
#[cfg(feature = "profile")]
pub use imp::*;

/// Runs one layer of a generated model, timed when the `profile` feature is on.
#[cfg(feature = "profile")]
#[macro_export]
macro_rules! layer {
    ($index:expr, $body:block) => {{
        $crate::profile::start($index);
        let r = $body;
        $crate::profile::end($index);
        r
    }};
}

/// Runs one layer of a generated model, timed when the `profile` feature is on.
#[cfg(not(feature = "profile"))]
#[macro_export]
macro_rules! layer {
    ($index:expr, $body:block) => {
        $body
    };
}
