"""Hooks of the register area (menu entries, the demo seeder), called from TaxesConfig.ready."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

DEMO_TAXPAYERS = 2000  # households: natural persons holding objects in their own name (spouses come on top)
DEMO_SEED = 20261121
PRECINCTS = ("Magistrowo", "Dębina", "Zalesie Magistrackie", "Brzozówka", "Kolonia Brzozowa", "Stara Wieś")
TOWN = PRECINCTS[0]
LIGHT_TRUCKS = (("truck_3_5_5_5", 4500), ("truck_5_5_9", 7490), ("truck_9_12", 11990))  # codes that stay
CATEGORIES = {"land_other", "land_business", "building_residential", "building_business", "agri_farm", "forest",
              "truck_3_5_5_5", "truck_5_5_9", "truck_9_12", "bus_22_plus"}  # fmt: skip
EXTRA_FIRST = ("Jan", "Anna", "Piotr", "Maria", "Tomasz", "Ewa", "Marek", "Zofia", "Adam", "Beata", "Leszek", "Irena")
EXTRA_SURNAMES = ("Letnik", "Działkowicz", "Zamiejski", "Przyjezdny", "Sadowniczy", "Warszawski", "Łąkowy", "Borowy")


@dataclass
class Plan:
    """One tax object of the demo and its history: created from ``valid_from``; optionally a new version
    (``grow``: (date, area)) or its end (``end``: last day of a month)."""

    kind: str
    key: str  # parcel "<household>/<k>" in ``precinct``, or a registration number
    precinct: str
    version: dict
    holders: list  # (party, role, numerator, denominator)
    valid_from: datetime.date
    grow: tuple | None = None
    end: datetime.date | None = None
    identifier: str = ""


@dataclass
class Pool:
    people: list = field(default_factory=list)  # the household holders, then the spouses
    homeless: list = field(default_factory=list)  # persons without any address (co-owners)
    firms: list = field(default_factory=list)


def _month(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def _month_end(year: int, month: int) -> datetime.date:
    return _month(year + month // 12, month % 12 + 1) - datetime.timedelta(days=1)


def _spouses(size: int) -> int:
    return len([n for n in range(size) if n % 5 == 1])


def _extra_inputs(count: int, places, *, homeless: bool = False) -> list:
    """Deterministic taxpayers from outside the residents register (owners of plots who live elsewhere)."""
    from core.domain.identifiers import generate_pesel
    from core.services.parties import AddressInput, PartyInput

    rng = random.Random(f"{DEMO_SEED}:{'homeless' if homeless else 'extra'}")  # noqa: S311 (demo data)
    result, pesels = [], set()
    for n in range(count):
        sex = "F" if n % 2 else "M"
        first = EXTRA_FIRST[(n * 2 + (n % 2)) % len(EXTRA_FIRST)]
        surname = EXTRA_SURNAMES[rng.randrange(len(EXTRA_SURNAMES))]
        if sex == "F" and surname.endswith("y"):
            surname = surname[:-1] + "a"
        while True:  # a PESEL not drawn before
            birth = datetime.date(1945 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28))
            pesel = generate_pesel(birth, sex, 900 + rng.randrange(100))
            if pesel not in pesels:
                pesels.add(pesel)
                break
        data = PartyInput(first_names=first, surname=surname, birth_date=birth, sex=sex, pesel=pesel)
        if not homeless and places:
            locality, streets = places[n % len(places)]
            data.address = AddressInput(
                locality_id=locality.pk, street_id=streets[n % len(streets)].pk if streets else None,
                building_number=str(1 + rng.randrange(80)), postal_code="05-991" if not streets else "05-990",
            )  # fmt: skip
        if not homeless and n % 20 == 3:
            data.ade_address = f"AE:PL-{10000 + n:05d}-{rng.randrange(10**5):05d}-DEMOA-{n % 90 + 10}"
        elif not homeless and n % 20 == 8:
            data.epuap_box = f"/demo-{n}/SkrytkaESP"
        result.append(data)
    return result


def _pool(actor, size: int, year: int, stdout=None) -> Pool:
    """The taxpayers: adult demo persons (by pk), topped up with persons created here when the demo has too few
    (the test database has none); a few persons without an address; the organisations."""
    from core.exceptions import ServiceValidationError
    from core.models import Locality, Party
    from core.services.parties import party_create

    places = [(loc, list(loc.streets.order_by("sym_ul"))) for loc in Locality.objects.order_by("sym")]
    homeless_count = max(2, size // 250)
    extras_max = _extra_inputs(size + _spouses(size), places)
    homeless = _extra_inputs(homeless_count, places, homeless=True)
    mine = {d.pesel for d in extras_max + homeless}
    adult = datetime.date(year - 19, 12, 31)
    people = list(
        Party.objects.filter(kind=Party.Kind.PERSON, birth_date__lte=adult).exclude(pesel__in=mine).order_by("pk")
    )[: size + _spouses(size)]
    wanted = extras_max[: size + _spouses(size) - len(people)]
    existing = {p.pesel: p for p in Party.objects.filter(pesel__in=[d.pesel for d in wanted + homeless])}

    def get(data):
        if data.pesel in existing:
            return existing[data.pesel]
        try:
            party = party_create(actor=actor, data=data)
        except ServiceValidationError as exc:  # pragma: no cover - the generator makes valid data
            if stdout:
                stdout.write(f"demo taxpayer {data.pesel} skipped: {exc.message}\n")
            return None
        existing[data.pesel] = party
        return party

    extras = [p for p in (get(d) for d in wanted) if p is not None]
    return Pool(
        people=people + extras,
        homeless=[p for p in (get(d) for d in homeless) if p is not None],
        firms=list(Party.objects.exclude(kind=Party.Kind.PERSON).order_by("pk")[:60]),
    )


def timezone_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def plan_register(pool: Pool, size: int, year: int) -> list[Plan]:
    """The demo register as a list of objects (deterministic for a given pool). ``year`` is the current tax year;
    everything starts in ``year - 1`` (most on 1 January); changes happen in ``year`` up to the current month.
    Per household ``n`` (the rules by ``n`` keep the mix exact): a house with its land, or in the town often a flat
    with its share of the land; 20 % with a spouse (joint property); every 12th a business; every 10th a farm, every
    20th a forest, every 33rd a vehicle (the first a bus); every 20th co-owns a plot (½ + ½; every 100th ⅓ each,
    every 100th with a co-owner without an address); every 100th only a garage plot (below the no-decision
    threshold); every 80th bought in the middle of last year; this year: every 50th bought a plot, every 56th
    extended its home, every 60th sold its land, and every 100th farmer recorded a pasture (no hectare multiplier:
    flagged ``no_rate``)."""
    from django.utils import timezone

    from taxes.models import Liability, TaxObject

    R, K = Liability.Role, TaxObject.Kind
    last = year - 1
    jan = _month(last, 1)
    today = timezone.localdate()
    months = max(2, today.month) if today.year == year else 12  # changes this year: in months 2..months
    holders = pool.people[:size]
    spouses = iter(pool.people[size:])
    homeless = pool.homeless
    plans: list[Plan] = []
    bus_done = False
    for n, party in enumerate(holders):
        rng = random.Random(f"{DEMO_SEED}:{n}")  # noqa: S311 (demo data)
        precinct = TOWN if rng.random() < 0.55 else PRECINCTS[1 + rng.randrange(len(PRECINCTS) - 1)]
        mine: list[Plan] = []

        def add(kind, version, holders_, start=jan, mine=mine, n=n, precinct=precinct) -> Plan:
            plan = Plan(kind, f"{1000 + n}/{len(mine) + 1}", precinct, version, holders_, start)
            mine.append(plan)
            return plan

        own = [(party, R.OWNER, 1, 1)]
        spouse = next(spouses, None) if n % 5 == 1 else None
        family = [*own, (spouse, R.SPOUSE, 1, 1)] if spouse is not None else own
        start = _month(last, 4 + rng.randrange(7)) if n % 80 == 17 else jan  # bought in the middle of last year
        if n % 100 == 47:  # a garage plot: below the no-decision threshold
            add(K.LAND, {"category": "land_other", "area": Decimal(4 + rng.randrange(4))}, own)
            plans += mine
            continue
        flat = precinct == TOWN and rng.random() < 0.45 and n % 10 != 3
        if flat:  # a flat: the premises and its share of the land under the block
            area = Decimal(32 + rng.randrange(60)) + Decimal(rng.randrange(10)) / 10
            building = add(K.BUILDING, {"category": "building_residential", "area": area}, family, start)
            land = add(K.LAND, {"category": "land_other", "area": Decimal(12 + rng.randrange(50))}, family, start)
        else:
            area = Decimal(70 + rng.randrange(170))
            low = Decimal(rng.randrange(30)) if rng.random() < 0.3 else Decimal(0)
            version = {"category": "building_residential", "area": area, "area_low": low}
            building = add(K.BUILDING, version, family, start)
            land_area = Decimal(400 + 50 * rng.randrange(40))
            land = add(K.LAND, {"category": "land_other", "area": land_area}, family, start)
        if n % 56 == 6:  # extended this year: a new version with a larger area
            grown = (area * Decimal("1.6")).quantize(Decimal("0.1"))
            building.grow = (_month(year, 2 + rng.randrange(months - 1)), grown)
        if n % 60 == 13 and not flat:  # sold the land this year
            land.end = _month_end(year, 1 + rng.randrange(months - 1))
        if n % 12 == 5:  # runs a business at home
            add(K.BUILDING, {"category": "building_business", "area": Decimal(20 + rng.randrange(230))}, own)
            add(K.LAND, {"category": "land_business", "area": Decimal(100 + 10 * rng.randrange(140))}, own)
        if n % 10 == 3:  # a farm: arable land and meadows
            for _i in range(1 + rng.randrange(3)):
                land_type = "arable" if rng.random() < 0.7 else "meadow"
                classes = ("IIIa", "IIIb", "IVa", "IVb", "V") if land_type == "arable" else ("III", "IV", "V")
                area = Decimal(rng.randrange(8000, 90000)) / 10000
                version = {"category": "agri_farm", "area": area, "land_type": land_type,
                           "land_class": rng.choice(classes)}  # fmt: skip
                add(K.AGRICULTURAL, version, own)
            if n % 100 == 23:  # bought this year, recorded as "pasture": the table has no multiplier for it
                version = {"category": "agri_farm", "area": Decimal("1.2500"), "land_type": "pasture",
                           "land_class": "IV"}  # fmt: skip
                add(K.AGRICULTURAL, version, own, _month(year, 3))
        if n % 20 == 7:  # a forest
            add(K.FOREST, {"category": "forest", "area": Decimal(rng.randrange(3000, 50000)) / 10000}, own)
        if n % 50 == 4:  # bought a plot this year
            version = {"category": "land_other", "area": Decimal(800 + 100 * rng.randrange(30))}
            add(K.LAND, version, family, _month(year, 2 + rng.randrange(months - 1)))
        if n % 20 == 2 and n + 2 < len(holders):  # co-owned land: ½ + ½, or ⅓ each
            if n % 100 == 22 and homeless:
                others, share = [homeless[(n // 100) % len(homeless)]], 2
            elif n % 100 == 2:
                others, share = [holders[n + 1], holders[n + 2]], 3
            else:
                others, share = [holders[n + 1]], 2
            version = {"category": "land_other", "area": Decimal(1000 + 100 * rng.randrange(30))}
            add(K.LAND, version, [(p, R.CO_OWNER, 1, share) for p in (party, *others)])
        plans += mine
        if n % 33 == 11:  # a sole trader's vehicle (light trucks and a bus: codes that stay in the rate table)
            code, mass = ("bus_22_plus", 15000) if not bus_done else LIGHT_TRUCKS[rng.randrange(3)]
            version = {"category": code, "vehicle_mass_kg": mass, "vehicle_axles": 2,
                       "vehicle_year": 2005 + rng.randrange(18)}  # fmt: skip
            if code.startswith("bus"):
                version["vehicle_seats"] = 30
            bus_done = True
            number = f"WMG{10000 + n}"
            plans.append(Plan(K.VEHICLE, number, "", version, own, jan, identifier=number))
    for i, firm in enumerate(pool.firms):
        rng = random.Random(f"{DEMO_SEED}:firm:{i}")  # noqa: S311 (demo data)
        owner = [(firm, R.OWNER, 1, 1)]
        building = {"category": "building_business", "area": Decimal(150 + rng.randrange(1500))}
        plans.append(Plan(K.BUILDING, f"{9000 + i}/1", TOWN, building, owner, jan))
        land = {"category": "land_business", "area": Decimal(500 + 100 * rng.randrange(60))}
        plans.append(Plan(K.LAND, f"{9000 + i}/2", TOWN, land, owner, jan))
    return plans


def seed_demo(*, actor=None, stdout=None, size: int = DEMO_TAXPAYERS, year: int | None = None) -> str:
    """The demo tax register: ``size`` households of natural persons (adult demo persons first, topped up with
    owners from outside the gmina created here) and the demo organisations, with objects from 1 January of last
    year — see :func:`plan_register` — created through the register services (the same validations and audit
    events as a clerk's work). An object is keyed by its parcel in its precinct (vehicles: registration number),
    so running it twice adds nothing. ``year``: the current tax year (default: this year)."""
    from core.exceptions import ApplicationError
    from taxes.models import RateCategory, TaxObject
    from taxes.services.register import object_create, object_end, object_version_add

    if actor is None or not actor.has_perm("taxes.manage_register"):
        actor = _clerk()
    if actor is None:
        return "taxes-register: skipped (no user allowed to maintain the register)"
    if RateCategory.objects.filter(code__in=CATEGORIES).count() < len(CATEGORIES):
        return "taxes-register: skipped (rate categories missing — run migrate)"
    year = year or timezone_year()
    pool = _pool(actor, size, year, stdout)
    plans = plan_register(pool, size, year)
    done = set(TaxObject.objects.filter(precinct__in=PRECINCTS).values_list("precinct", "parcel"))
    done |= {
        ("", i) for i in TaxObject.objects.filter(kind=TaxObject.Kind.VEHICLE).values_list("identifier", flat=True)
    }
    created = 0
    for plan in plans:
        if (plan.precinct, plan.key) in done:  # vehicles: ("", registration number)
            continue
        liabilities = [
            {"party": p, "role": role, "share_numerator": num, "share_denominator": den, "valid_from": plan.valid_from}
            for p, role, num, den in plan.holders
        ]
        try:
            obj = object_create(
                actor=actor, kind=plan.kind, precinct=plan.precinct, parcel="" if plan.identifier else plan.key,
                identifier=plan.identifier, version={"valid_from": plan.valid_from, **plan.version},
                liabilities=liabilities,
            )  # fmt: skip
            if plan.grow:
                day, area = plan.grow
                object_version_add(actor=actor, object=obj, valid_from=day, **{**plan.version, "area": area})
            if plan.end:
                object_end(actor=actor, object=obj, valid_to=plan.end)
            created += 1
        except ApplicationError as exc:
            if stdout:
                stdout.write(f"demo tax object {plan.precinct} {plan.key} skipped: {exc.message}\n")
    households = min(size, len(pool.people))
    return f"taxes-register: {created} tax objects for {households} households and {len(pool.firms)} organisations"


def _clerk():
    """The demo's tax clerk (the register is kept by the tax clerk, not by the administrator who runs the demo)."""
    from core import roles
    from core.models import User

    return User.objects.filter(groups__name=roles.TAX_CLERK, is_active=True).order_by("pk").first()


def register() -> None:
    from core import demo
    from core.navigation import MenuItem
    from core.navigation import register as add
    from taxes.hooks import demo_decisions

    add(MenuItem("taxes-register", _("Tax register"), "taxes:register-search", "taxes.view_taxobject", 70))
    demo.register_seeder("taxes-register", seed_demo, order=70)
    demo_decisions.register()  # last year's decisions over this register (order 75)
