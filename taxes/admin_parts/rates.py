"""Admin of the rates area."""
