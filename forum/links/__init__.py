"""Cross-linking: internal pingbacks, Pingback 1.0, Webmention and the one outbound fetcher."""
