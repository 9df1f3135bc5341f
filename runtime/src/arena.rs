//! The tensor arena: one statically sized, 16-byte aligned byte buffer in which the
//! model compiler has planned every activation tensor at a fixed offset.
//!
//! Generated code takes typed views of it with [`io`] (inputs shared, output exclusive)
//! and [`inplace`]. The views are checked (range, alignment, and that the output does
//! not overlap an input) because the check costs a few instructions per layer and turns
//! a planner bug into an error instead of silent corruption.

use crate::Error;

/// Arena alignment in bytes: enough for every element type and for 128-bit vector loads.
pub const ALIGN: usize = 16;

/// A value type that may live in the arena.
///
/// # Safety
/// Implementors must be plain old data: every bit pattern valid, no padding, no drop.
pub unsafe trait Element: Copy + 'static {}
// SAFETY: all of these are POD integer or float types.
unsafe impl Element for i8 {}
// SAFETY: as above.
unsafe impl Element for u8 {}
// SAFETY: as above.
unsafe impl Element for i16 {}
// SAFETY: as above.
unsafe impl Element for u16 {}
// SAFETY: as above.
unsafe impl Element for i32 {}
// SAFETY: as above.
unsafe impl Element for u32 {}
// SAFETY: as above.
unsafe impl Element for i64 {}
// SAFETY: as above.
unsafe impl Element for u64 {}
// SAFETY: as above.
unsafe impl Element for f32 {}

/// A statically sized, aligned arena for a generated model.
#[repr(C, align(16))]
pub struct Arena<const N: usize>(pub [u8; N]);

impl<const N: usize> Arena<N> {
    /// A zeroed arena; `const` so it can initialise a `static`.
    pub const fn new() -> Self {
        Arena([0; N])
    }

    /// The whole arena as bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The whole arena as mutable bytes.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// A tensor's place in the arena: byte offset and number of elements.
pub type Place = (usize, usize);

fn byte_range<T: Element>(arena_len: usize, base: usize, (offset, count): Place) -> Result<(usize, usize), Error> {
    let size = core::mem::size_of::<T>();
    let len = count.checked_mul(size).ok_or(Error::ArenaView { offset, len: usize::MAX })?;
    let end = offset.checked_add(len).ok_or(Error::ArenaView { offset, len })?;
    if end > arena_len || !(base + offset).is_multiple_of(core::mem::align_of::<T>()) {
        return Err(Error::ArenaView { offset, len });
    }
    Ok((offset, end))
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1 && a.0 != a.1 && b.0 != b.1
}

/// Views `N` input tensors (shared) and one output tensor (exclusive) of `arena`.
///
/// Fails if a view is out of range or misaligned, or if the output overlaps an input.
#[allow(clippy::needless_lifetimes)] // the named lifetime documents that all views borrow the arena
pub fn io<'a, I: Element, O: Element, const N: usize>(
    arena: &'a mut [u8],
    inputs: [Place; N],
    output: Place,
) -> Result<([&'a [I]; N], &'a mut [O]), Error> {
    let (ins, out, _) = io_scratch::<I, O, N>(arena, inputs, output, (0, 0))?;
    Ok((ins, out))
}

/// Like [`io`], plus an exclusive scratch byte buffer that overlaps neither inputs nor
/// output (for kernels that need temporary memory; the planner sizes it).
#[allow(clippy::type_complexity, clippy::needless_lifetimes)]
pub fn io_scratch<'a, I: Element, O: Element, const N: usize>(
    arena: &'a mut [u8],
    inputs: [Place; N],
    output: Place,
    scratch: Place,
) -> Result<([&'a [I]; N], &'a mut [O], &'a mut [u8]), Error> {
    let len = arena.len();
    let base = arena.as_ptr() as usize;
    let out_range = byte_range::<O>(len, base, output)?;
    let scratch_range = byte_range::<u8>(len, base, scratch)?;
    if overlaps(out_range, scratch_range) {
        return Err(Error::ArenaView { offset: scratch.0, len: scratch.1 });
    }
    let mut in_ranges = [(0usize, 0usize); N];
    for (range, place) in in_ranges.iter_mut().zip(inputs) {
        *range = byte_range::<I>(len, base, place)?;
        if overlaps(*range, out_range) || overlaps(*range, scratch_range) {
            return Err(Error::ArenaView { offset: place.0, len: place.1 });
        }
    }
    let ptr = arena.as_mut_ptr();
    // SAFETY: every range was checked to lie inside `arena` and to be aligned for its
    // element type; the two exclusive views (output, scratch) overlap neither each other
    // nor any shared input view, and all views borrow `arena` for 'a.
    unsafe {
        let ins =
            core::array::from_fn(|k| core::slice::from_raw_parts(ptr.add(in_ranges[k].0) as *const I, inputs[k].1));
        let out = core::slice::from_raw_parts_mut(ptr.add(out_range.0) as *mut O, output.1);
        let scratch = core::slice::from_raw_parts_mut(ptr.add(scratch_range.0), scratch.1);
        Ok((ins, out, scratch))
    }
}

/// One tensor viewed mutably, for kernels that work in place and for writing the model
/// input.
pub fn inplace<T: Element>(arena: &mut [u8], place: Place) -> Result<&mut [T], Error> {
    let base = arena.as_ptr() as usize;
    let (start, _) = byte_range::<T>(arena.len(), base, place)?;
    // SAFETY: range and alignment checked above; the view borrows `arena` exclusively.
    unsafe { Ok(core::slice::from_raw_parts_mut(arena.as_mut_ptr().add(start) as *mut T, place.1)) }
}

/// One tensor viewed shared, for reading the model output.
pub fn view<T: Element>(arena: &[u8], place: Place) -> Result<&[T], Error> {
    let base = arena.as_ptr() as usize;
    let (start, _) = byte_range::<T>(arena.len(), base, place)?;
    // SAFETY: range and alignment checked above; the view borrows `arena` shared.
    unsafe { Ok(core::slice::from_raw_parts(arena.as_ptr().add(start) as *const T, place.1)) }
}

/// How many views one [`Views`] can hand out (inputs, outputs, state and scratch of one
/// step).
pub const MAX_VIEWS: usize = 32;

/// Typed views of one step's tensors taken one by one, for steps that [`io`] cannot
/// express: inputs of different element types, several outputs, or variable tensors
/// (recurrent state) read and updated in place.
///
/// Every view is checked for range and alignment; an exclusive view ([`Views::output`])
/// must overlap no other view taken before or after it, shared views ([`Views::input`])
/// may alias each other. Over an arena split across `R` memory regions ([`Regions`]),
/// places are offsets in the regions' bytes one after another, and a view lies within
/// one region.
pub struct Views<'a, const R: usize = 1> {
    /// Each region's start and length.
    regions: [(*mut u8, usize); R],
    taken: [(usize, usize, bool); MAX_VIEWS],
    count: usize,
    _arena: core::marker::PhantomData<&'a mut [u8]>,
}

impl<'a> Views<'a, 1> {
    /// Views of `arena`, none taken yet.
    pub fn new(arena: &'a mut [u8]) -> Self {
        Self::over([(arena.as_mut_ptr(), arena.len())])
    }
}

impl<'a, const R: usize> Views<'a, R> {
    /// Views of an arena split across memory regions, none taken yet.
    pub fn split(arena: &'a mut Regions<'_, R>) -> Self {
        Self::over(core::array::from_fn(|k| (arena.0[k].as_mut_ptr(), arena.0[k].len())))
    }

    fn over(regions: [(*mut u8, usize); R]) -> Self {
        Views { regions, taken: [(0, 0, false); MAX_VIEWS], count: 0, _arena: core::marker::PhantomData }
    }

    /// The place's first byte, after checking it against the views taken so far.
    fn take<T: Element>(&mut self, place: Place, exclusive: bool) -> Result<*mut u8, Error> {
        let (k, range, base) = locate::<T>(&self.regions, place)?;
        let clash = self.taken[..self.count].iter().any(|&(s, e, x)| (x || exclusive) && overlaps((s, e), range));
        if clash || self.count == MAX_VIEWS {
            return Err(Error::ArenaView { offset: place.0, len: place.1 });
        }
        self.taken[self.count] = (range.0, range.1, exclusive);
        self.count += 1;
        // SAFETY: `locate` checked that the range lies inside region `k`.
        Ok(unsafe { self.regions[k].0.add(range.0 - base) })
    }

    /// A shared view of a tensor that is only read.
    pub fn input<T: Element>(&mut self, place: Place) -> Result<&'a [T], Error> {
        let start = self.take::<T>(place, false)?;
        // SAFETY: in range and aligned (checked by `take`), and no exclusive view overlaps
        // it; the view borrows the arena for 'a like the `Views` itself.
        unsafe { Ok(core::slice::from_raw_parts(start as *const T, place.1)) }
    }

    /// An exclusive view: an output, a variable tensor updated in place, or scratch.
    pub fn output<T: Element>(&mut self, place: Place) -> Result<&'a mut [T], Error> {
        let start = self.take::<T>(place, true)?;
        // SAFETY: in range and aligned, and it overlaps no other view taken from this
        // arena (checked by `take`, here and for every later view).
        unsafe { Ok(core::slice::from_raw_parts_mut(start as *mut T, place.1)) }
    }
}

/// The region holding `place` (its index, the place's byte range in the regions' joint
/// offsets, and the region's first offset), checked for range and alignment.
fn locate<T: Element>(regions: &[(*mut u8, usize)], place: Place) -> Result<(usize, (usize, usize), usize), Error> {
    let mut base = 0;
    let mut err = Error::ArenaView { offset: place.0, len: place.1 };
    for (k, &(ptr, len)) in regions.iter().enumerate() {
        if place.0 >= base {
            match byte_range::<T>(len, ptr as usize, (place.0 - base, place.1)) {
                Ok((s, e)) => return Ok((k, (s + base, e + base), base)),
                Err(e) => err = e,
            }
        }
        base += len;
    }
    Err(err)
}

/// An arena split across `R` memory regions (a fast TCM and system SRAM, say), each
/// placed by the firmware where it belongs. The plan's offsets count region 0's bytes,
/// then region 1's, and so on; every tensor lies within one region.
pub struct Regions<'a, const R: usize>(pub [&'a mut [u8]; R]);

impl<'a, const R: usize> Regions<'a, R> {
    /// The arena whose region `k` is `regions[k]`.
    pub fn new(regions: [&'a mut [u8]; R]) -> Self {
        Regions(regions)
    }

    /// One tensor viewed mutably (writing the model input).
    pub fn inplace<T: Element>(&mut self, place: Place) -> Result<&mut [T], Error> {
        Views::split(self).output(place)
    }

    /// One tensor viewed shared (reading the model output).
    pub fn view<T: Element>(&self, place: Place) -> Result<&[T], Error> {
        let mut base = 0;
        for r in &self.0 {
            if place.0 >= base && place.0 - base < r.len().max(1) {
                return view(r, (place.0 - base, place.1));
            }
            base += r.len();
        }
        Err(Error::ArenaView { offset: place.0, len: place.1 })
    }
}

/// A constant table aligned for vector loads (weights, biases in flash).
#[repr(C, align(16))]
pub struct Aligned<T: ?Sized>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_rejects_overlap_and_out_of_range() {
        let mut a = Arena::<64>::new();
        assert!(io::<i8, i8, 1>(&mut a.0, [(0, 16)], (16, 16)).is_ok());
        assert!(io::<i8, i8, 1>(&mut a.0, [(0, 17)], (16, 16)).is_err());
        assert!(io::<i8, i8, 1>(&mut a.0, [(0, 16)], (60, 8)).is_err());
        assert!(io::<i8, i32, 1>(&mut a.0, [(0, 16)], (18, 4)).is_err(), "misaligned i32");
        assert!(io::<i8, i8, 2>(&mut a.0, [(0, 16), (0, 16)], (32, 16)).is_ok(), "inputs may alias");
    }

    #[test]
    fn views_allow_shared_aliases_and_refuse_exclusive_overlap() {
        let mut a = Arena::<64>::new();
        let mut v = Views::new(&mut a.0);
        assert!(v.input::<i8>((0, 16)).is_ok());
        assert!(v.input::<i16>((0, 8)).is_ok(), "inputs may alias");
        assert!(v.output::<i8>((8, 8)).is_err(), "an output over an input");
        assert!(v.output::<i16>((16, 8)).is_ok());
        assert!(v.output::<i8>((16, 1)).is_err(), "the same bytes twice");
        assert!(v.input::<i8>((20, 4)).is_err(), "an input over an output");
        assert!(v.output::<i32>((34, 2)).is_err(), "misaligned i32");
        assert!(v.output::<i32>((48, 5)).is_err(), "out of range");
        assert!(v.output::<u8>((32, 0)).is_ok(), "empty views clash with nothing");
    }

    #[test]
    fn split_views_lie_within_one_region() {
        let (mut fast, mut slow) = (Arena::<32>::new(), Arena::<64>::new());
        let (fast_at, slow_at) = (fast.0.as_ptr() as usize, slow.0.as_ptr() as usize);
        let mut regions = Regions([&mut fast.0[..], &mut slow.0[..]]);
        let mut v = Views::split(&mut regions);
        let a = v.input::<i8>((0, 32)).unwrap();
        assert_eq!(a.as_ptr() as usize, fast_at);
        let b = v.output::<i8>((32, 16)).unwrap();
        assert_eq!(b.as_ptr() as usize, slow_at, "offset 32 is the second region's start");
        assert!(v.output::<i8>((24, 16)).is_err(), "across the two regions");
        assert!(v.output::<i8>((40, 8)).is_err(), "over an output");
        assert!(v.output::<i8>((48, 48)).is_ok());
        assert!(v.output::<i8>((96, 1)).is_err(), "past the last region");
        regions.inplace::<i8>((40, 4)).unwrap().fill(7);
        assert_eq!(regions.view::<i8>((40, 4)).unwrap(), &[7; 4]);
        assert_eq!(regions.view::<i8>((0, 4)).unwrap(), &[0; 4]);
    }
}
