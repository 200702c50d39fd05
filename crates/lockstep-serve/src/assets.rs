//! The UI's files, compiled into the binary: serving needs no other file
//! and no network. `vendor.js` is sigma.js, graphology and ForceAtlas2 in
//! one file, built from `ui/package-lock.json` by `scripts/build-ui.sh`
//! (which `--check`s that the committed bundle is what the lock file
//! builds).

const FILES: &[(&str, &[u8], &str)] = &[
    ("index.html", include_bytes!("../assets/index.html"), "text/html; charset=utf-8"),
    ("app.css", include_bytes!("../assets/app.css"), "text/css; charset=utf-8"),
    ("app.js", include_bytes!("../assets/app.js"), "text/javascript; charset=utf-8"),
    ("vendor.js", include_bytes!("../assets/vendor.js"), "text/javascript; charset=utf-8"),
];

/// A file by name, with its media type. Names are matched exactly against
/// the list above: no path is ever built from a request.
pub fn get(name: &str) -> Option<(&'static [u8], &'static str)> {
    FILES.iter().find(|f| f.0 == name).map(|f| (f.1, f.2))
}
