"""Admin of the declarations area."""
