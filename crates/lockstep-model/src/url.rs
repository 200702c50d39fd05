//! URL helpers shared by the ingest (the `domain` layer) and the campaign
//! view (feed mirrors), so that both name a URL's site the same way.

use std::borrow::Cow;

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
    let host = site_host(host_port.split(':').next()?);
    (!host.is_empty() && host.contains('.')).then(|| host.into_owned())
}

/// A URL's host as the site it names: lower-cased, without trailing dots
/// or leading `www.` labels (all of them, so that it is the same however
/// often it is applied). Borrowed when nothing needs lower-casing: this
/// runs once per URL of every post.
pub fn site_host(host: &str) -> Cow<'_, str> {
    fn bare(host: &str) -> &str {
        host.trim_end_matches('.').trim_start_matches("www.")
    }
    if host.is_ascii() && !host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(bare(host))
    } else {
        Cow::Owned(bare(&host.to_lowercase()).to_string())
    }
}
