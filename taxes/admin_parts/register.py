"""Admin of the register area."""
