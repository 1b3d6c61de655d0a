//! Helpers shared by the CLI's test files.

use std::path::PathBuf;

/// Debian's Chromium, where installed (`.ci/run` installs it), or the one `CHROMIUM` names.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(path.into());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}
