//! Helpers shared by the CLI's test files.

use std::path::PathBuf;

/// Debian's Chromium, where installed (`.ci/run` installs it), or the one `CHROMIUM` names.
/// Without one the calling test says SKIPPED and returns, unless `RETAIL_REQUIRE_CHROMIUM` is
/// set (as CI sets it): then it fails.
pub fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("RETAIL_REQUIRE_CHROMIUM").is_none(),
            "RETAIL_REQUIRE_CHROMIUM is set but there is no chromium"
        );
        println!("SKIPPED: no chromium (apt-get install chromium, or set CHROMIUM)");
    }
    found
}
