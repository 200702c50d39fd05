//! URL helpers shared by the ingest (the `domain` layer) and the campaign
//! view (feed mirrors), so that both name a URL's site the same way.

/// The host of a URL, lower-cased, without leading `www.` labels and port;
/// `None` when the string has no host.
pub fn url_domain(url: &str) -> Option<String> {
    let u = url.trim();
    let rest = match u.find("://") {
        Some(i) => &u[i + 3..],
        None => u,
    };
    let host_port = rest.split(['/', '?', '#']).next()?;
    let host_port = host_port.rsplit('@').next()?;
    let host = host_port.split(':').next()?.trim_end_matches('.');
    // Once per URL of every post: allocate once, for the result.
    let host: std::borrow::Cow<'_, str> =
        if host.is_ascii() && !host.bytes().any(|b| b.is_ascii_uppercase()) {
            host.into()
        } else {
            host.to_lowercase().into()
        };
    let host = host.trim_start_matches("www.");
    (!host.is_empty() && host.contains('.')).then(|| host.to_string())
}
