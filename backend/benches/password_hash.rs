//! Measures the argon2id login cost (m = 19 MiB, t = 2, p = 1): `cargo bench --bench password_hash`.

use std::time::Instant;

fn main() {
    let hash = backend::auth::password::hash("correct horse 42").expect("hash");
    let runs = 20;
    let start = Instant::now();
    for _ in 0..runs {
        assert!(backend::auth::password::verify("correct horse 42", &hash));
    }
    let per = start.elapsed() / runs;
    println!(
        "argon2id m={}KiB t={} p={}: {:.1} ms per verification (mean of {runs})",
        backend::auth::password::M_COST_KIB,
        backend::auth::password::T_COST,
        backend::auth::password::P_COST,
        per.as_secs_f64() * 1000.0
    );
}
