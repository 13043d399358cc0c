#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| attest_fuzz::baked_badge(data));
