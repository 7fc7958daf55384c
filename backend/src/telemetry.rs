//! Logging to stderr with a `tracing` filter (setting `log`). Never log passwords, tokens,
//! codes or key material.

/// Installs the subscriber once; later calls (tests) are no-ops.
pub fn init(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `web::block` with the caller's span carried onto the blocking thread, so what the closure
/// logs names the request.
pub async fn block<F, R>(f: F) -> Result<R, actix_web::error::BlockingError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(f)).await
}
