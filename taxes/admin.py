"""Admin of the taxes app: one module per area in taxes/admin_parts/."""

from taxes.admin_parts import declarations, rates, register, waste, waste_decisions  # noqa: F401
