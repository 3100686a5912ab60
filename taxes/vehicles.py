"""The transport tax class of a vehicle version in the register and in a DT-1 (glue between the pure
:func:`taxes.domain.vehicles.vehicle_category` and the rate categories): a version without a class gets the one its
data give; a class that contradicts the data is refused with a message naming the expected class.

The vehicle kind (truck, tractor, trailer, bus) is the prefix of the class code, or ``vehicle_kind`` when no class is
given."""

from __future__ import annotations

from collections.abc import Mapping

from taxes.domain.vehicles import KINDS, kind_of_category
from taxes.domain.vehicles import expected_vehicle_class as domain_expected_vehicle_class


def _category_name(code: str) -> str:
    from taxes.models import RateCategory

    category = RateCategory.objects.filter(code=code).first()
    return category.name if category else code


def expected_vehicle_class(
    fields: Mapping, given: str = "", kind: str = "", *, names: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """:func:`taxes.domain.vehicles.expected_vehicle_class` naming the expected class from the rate categories
    (``names``, code → name, instead of the database when given)."""
    name_of = (lambda code: names.get(code, "")) if names is not None else _category_name
    return domain_expected_vehicle_class(fields, given, kind, name_of=name_of)


def vehicle_version_category(data: dict, category, errors: dict, kind: str = ""):
    """For the register (``taxes.services.register``): the category of a vehicle version — the given one when
    consistent with the vehicle data, the automatic one when none was given; an error is added otherwise. Without
    the permissible mass nothing is decided here (the register reports the missing mass)."""
    from taxes.models import RateCategory

    given = category.code if isinstance(category, RateCategory) else (category or "")
    if not data.get("vehicle_mass_kg") and not (kind == "bus" or given.startswith("bus_")):
        return category
    code, problem = expected_vehicle_class(data, given, kind)
    if problem:
        errors.setdefault("category", []).append(problem)
        return None if not given else category
    if not given:
        return RateCategory.objects.filter(code=code).first() or code
    return category


def vehicle_kind_of(obj) -> str:
    """The kind of a vehicle in the register: the kind of the class of its latest version ("" when unknown)."""
    from taxes.models import ObjectVersion

    last = ObjectVersion.objects.filter(object=obj).select_related("category").order_by("-valid_from").first()
    if last is None:
        return ""
    code = last.category.code
    return kind_of_category(code) or (code.split("_")[0] if code.split("_")[0] in KINDS else "")
