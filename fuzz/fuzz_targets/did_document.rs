#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| attest_fuzz::did_document(data));
