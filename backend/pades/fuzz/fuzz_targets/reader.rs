//! Fuzz target: the reader and the verifier never panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pades::inspect(data);
    let _ = pades::verify(data, &pades::ValidationContext::default());
});
