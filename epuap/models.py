"""Models of the epuap app (added by the issue that builds this domain)."""
