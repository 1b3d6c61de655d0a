# R forecast::thetaf reference for retail-forecast's ThetaVariant::Classic.
# Run from the workspace root (Debian: apt-get install -y r-cran-forecast):
#   Rscript crates/retail-forecast/tests/reference/thetaf_reference.R
# Reads AirPassengers from the values in theta_intermittent.json's neighbour reference.json
# (the same 144 values as R's datasets::AirPassengers) and writes thetaf.json beside itself.
suppressMessages(library(forecast))
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))
air <- as.numeric(AirPassengers)
num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
one <- function(name, y, m, h) {
  f <- thetaf(ts(y, frequency = m), h = h, level = c(80, 95))
  sprintf(paste0('"%s": {"m": %d, "n": %d, "alpha": %.17g, "drift": %.17g, "sigma2": %.17g, ',
                 '"mean": %s, "lower80": %s, "upper80": %s, "lower95": %s, "upper95": %s}'),
          name, m, length(y), f$model$alpha, f$model$drift, f$model$sigma,
          num(f$mean), num(f$lower[, 1]), num(f$upper[, 1]), num(f$lower[, 2]), num(f$upper[, 2]))
}
body <- c(one("airpassengers", air, 12L, 24L),
          one("airpassengers_nonseasonal", air, 1L, 12L),
          one("airpassengers_head48", air[1:48], 12L, 12L),
          one("weekly_head60", air[1:60] + 0, 4L, 8L),
          one("airpassengers_train120", air[1:120], 12L, 24L))
out <- paste0('{"generator": "crates/retail-forecast/tests/reference/thetaf_reference.R", ',
              '"versions": {"R": "', R.version.string, '", "forecast": "',
              as.character(packageVersion("forecast")), '"},\n ',
              paste(body, collapse = ",\n "), "}\n")
writeLines(out, file.path(here, "thetaf.json"), sep = "")
