"""One-off studies behind a decision (each names the doc it backs); not part of `make bench`."""
