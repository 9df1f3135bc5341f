//! Reading and writing `.npy` files (NumPy format 1.0/2.0), the exchange format for
//! model inputs and reference outputs.
