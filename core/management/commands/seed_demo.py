"""``python manage.py seed_demo``: the demo municipality, gmina Magistrowo (fictional TERC 1499013).

Loads the demo TERYT files (core/fixtures/teryt_demo), syncs the role groups, creates the office's
organisational units, one demo user per role (password "demo": DEMO ONLY, never on a real system) and
340 parties (300 persons, 40 organisations) through the party service, so that audit events and
history are written as for parties registered by hand. Everything is generated from a fixed random
seed, so the data are the same on every machine; running the command again creates nothing new
(a party whose PESEL or NIP is already registered is skipped). One transaction: all or nothing.
"""

import datetime
import os
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core import roles
from core.demo import seeders as demo_seeders
from core.domain.identifiers import generate_nip, generate_pesel, generate_regon9
from core.domain.text import fold
from core.exceptions import ServiceValidationError
from core.models import Locality, OrgUnit, Party, Street, User
from core.services.parties import AddressInput, PartyInput, party_create
from core.services.roles import roles_sync
from core.services.teryt_import import TerytImportError, teryt_import

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "teryt_demo"
DEMO_PASSWORD = "demo"  # noqa: S105 (demo data only)
SEED = 2026
PERSONS = 300
ORGANISATIONS = 40
TOWN_GMINA = "1499014"
RURAL_GMINA = "1499015"
POSTAL_CODES = {TOWN_GMINA: "05-990", RURAL_GMINA: "05-991"}

ORG_UNITS = [  # symbol, name, parent symbol (parents first)
    ("OR", "Referat Organizacyjny", None),
    ("KA", "Kancelaria", "OR"),
    ("FN", "Referat Finansowy", None),
    ("PD", "Referat Podatków i Opłat", "FN"),
    ("SO", "Urząd Stanu Cywilnego i Spraw Obywatelskich", None),
    ("GK", "Referat Gospodarki Komunalnej", None),
]

STAFF = [  # username, first name, last name, role, unit, job title
    ("admin", "Adam", "Nowak", roles.ADMINISTRATOR, "OR", "Informatyk, administrator systemu"),
    ("kierownik", "Krzysztof", "Wiśniewski", roles.HEAD_OF_UNIT, "FN", "Kierownik Referatu Finansowego"),
    ("referent", "Łukasz", "Zieliński", roles.TAX_CLERK, "PD", "Referent ds. wymiaru podatków"),
    ("ksiegowa", "Małgorzata", "Wójcik", roles.ACCOUNTANT, "FN", "Główna księgowa"),
    ("kancelaria", "Agnieszka", "Kamińska", roles.REGISTRY_CLERK, "KA", "Pracownik kancelarii"),
    ("ewidencja", "Ewa", "Lewandowska", roles.POPULATION_CLERK, "SO", "Inspektor ds. ewidencji ludności"),
]
RESIDENT_USERNAME = "mieszkaniec"

MALE_NAMES = [
    "Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Jakub",
    "Grzegorz", "Józef", "Stanisław", "Wojciech", "Mateusz", "Kamil", "Adam", "Zbigniew", "Jerzy",
    "Dariusz", "Rafał", "Szymon", "Bartłomiej", "Zdzisław", "Ryszard", "Henryk",
]  # fmt: skip
FEMALE_NAMES = [
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta",
    "Zofia", "Joanna", "Magdalena", "Monika", "Aleksandra", "Jadwiga", "Halina", "Beata", "Dorota",
    "Łucja", "Żaneta", "Urszula", "Wiesława", "Bożena", "Natalia", "Grażyna", "Teresa",
]  # fmt: skip
SURNAMES = [  # (male form, female form)
    ("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"),
    ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
    ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
    ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"), ("Mazur", "Mazur"),
    ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
    ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"), ("Żak", "Żak"),
    ("Świątek", "Świątek"), ("Król", "Król"), ("Wróbel", "Wróbel"), ("Sęk", "Sęk"),
    ("Gołębiowski", "Gołębiowska"), ("Jabłoński", "Jabłońska"), ("Łuczak", "Łuczak"),
    ("Czerwiński", "Czerwińska"), ("Zając", "Zając"), ("Stępień", "Stępień"), ("Ślusarczyk", "Ślusarczyk"),
]  # fmt: skip

# (name, legal form, registered in KRS)
ORGANISATION_LIST = [
    ("Przedsiębiorstwo Usług Komunalnych „Magistrowo” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Piekarnia „Kłos” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Zakład Stolarski „Dąb” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Przedsiębiorstwo Budowlane „Fundament” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Hurtownia Spożywcza „Żniwiarz” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Transport Ciężarowy „Szybki Wóz” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Magistrowskie Wodociągi sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Biuro Rachunkowe „Bilans” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Stacja Kontroli Pojazdów „Przegląd” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Ogrodnictwo „Zielona Dolina” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Tartak „Brzozówka” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Ciepłownia Miejska Magistrowo sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Usługi Informatyczne „Bajt” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Agroturystyka „Pod Lipą” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Przychodnia „Zdrowie” sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Młyn Magistrowski sp. z o.o.", "spółka z ograniczoną odpowiedzialnością", True),
    ("Kowalski i Syn sp.j.", "spółka jawna", True),
    ("Wiśniewscy – Sklep Wielobranżowy sp.j.", "spółka jawna", True),
    ("Auto-Serwis Żak i Wspólnicy sp.j.", "spółka jawna", True),
    ("Apteka „Pod Orłem” Świątek i Wróbel sp.j.", "spółka jawna", True),
    ("Zakład Fryzjerski „Loczek” Łuczak sp.j.", "spółka jawna", True),
    ("Kwiaciarnia „Róża” Zając sp.j.", "spółka jawna", True),
    ("Dąbrowscy – Usługi Remontowe sp.j.", "spółka jawna", True),
    ("Gospodarstwo Rybackie Sęk sp.j.", "spółka jawna", True),
    ("Stowarzyszenie Przyjaciół Ziemi Magistrowskiej", "stowarzyszenie", True),
    ("Ochotnicza Straż Pożarna w Dębinie", "stowarzyszenie", True),
    ("Ochotnicza Straż Pożarna w Starej Wsi", "stowarzyszenie", True),
    ("Klub Sportowy „Magistrat” Magistrowo", "stowarzyszenie", True),
    ("Towarzystwo Miłośników Zalesia", "stowarzyszenie", True),
    ("Stowarzyszenie Rodziców „Szkoła z Pasją”", "stowarzyszenie", True),
    ("Spółdzielnia Mieszkaniowa „Osiedle Zielone” w Magistrowie", "spółdzielnia", True),
    ("Gminna Spółdzielnia „Samopomoc Chłopska” w Magistrowie", "spółdzielnia", True),
    ("Okręgowa Spółdzielnia Mleczarska w Magistrowie", "spółdzielnia", True),
    ("Spółdzielnia Socjalna „Razem”", "spółdzielnia", True),
    ("Fundacja „Zdrowe Dzieci Magistrowa”", "fundacja", True),
    ("Fundacja Ochrony Doliny Młyńskiej", "fundacja", True),
    ("Fundacja Kultury „Źródło”", "fundacja", True),
    ("Sklep „U Bożeny” s.c. Bożena i Jerzy Król", "spółka cywilna", False),
    ("Warsztat Samochodowy „Tłok” s.c.", "spółka cywilna", False),
    ("Koło Gospodyń Wiejskich w Brzozówce", "koło gospodyń wiejskich", False),
]


@dataclass
class _Place:
    locality: Locality
    streets: list[Street]


def _places() -> tuple[list[_Place], list[_Place]]:
    """The demo gmina's localities (town, villages), ordered by SYM so the choices are reproducible."""
    by_gmina: dict[str, list[_Place]] = {TOWN_GMINA: [], RURAL_GMINA: []}
    localities = Locality.objects.filter(gmina__code__in=by_gmina).select_related("gmina").order_by("sym")
    for locality in localities:
        streets = list(locality.streets.order_by("sym_ul"))
        by_gmina[locality.gmina.code].append(_Place(locality, streets))
    return by_gmina[TOWN_GMINA], by_gmina[RURAL_GMINA]


def _address(rng: random.Random, town: list[_Place], villages: list[_Place], *, town_share: float) -> AddressInput:
    place = rng.choice(town) if rng.random() < town_share else rng.choice(villages)
    gmina_code = place.locality.gmina.code
    street = rng.choice(place.streets) if place.streets else None
    number = str(rng.randint(1, 120 if gmina_code == TOWN_GMINA else 60))
    if rng.random() < 0.08:
        number += rng.choice("ABC")
    flat = str(rng.randint(1, 48)) if gmina_code == TOWN_GMINA and rng.random() < 0.4 else ""
    return AddressInput(
        locality_id=place.locality.pk,
        street_id=street.pk if street else None,
        building_number=number,
        flat_number=flat,
        postal_code=POSTAL_CODES[gmina_code],
    )


def _email_local(*parts: str) -> str:
    return ".".join(fold(part).replace(" ", "-") for part in parts if part)


def _phone(rng: random.Random) -> str:
    digits = f"{rng.choice('5678')}{rng.randrange(10**8):08d}"
    return f"+48 {digits[:3]} {digits[3:6]} {digits[6:]}"


def _person_inputs(rng: random.Random, town: list[_Place], villages: list[_Place]) -> list[PartyInput]:
    start, span = datetime.date(1935, 1, 1), (datetime.date(2007, 12, 31) - datetime.date(1935, 1, 1)).days
    pesels: set[str] = set()
    people = []
    for n in range(PERSONS):
        sex = rng.choice("MF")
        names = MALE_NAMES if sex == "M" else FEMALE_NAMES
        first_names = rng.choice(names)
        if rng.random() < 0.3:
            first_names += " " + rng.choice([name for name in names if name != first_names])
        surname = rng.choice(SURNAMES)[0 if sex == "M" else 1]
        while True:
            birth_date = start + datetime.timedelta(days=rng.randrange(span))
            pesel = generate_pesel(birth_date, sex, rng.randrange(1000))
            if pesel not in pesels:
                pesels.add(pesel)
                break
        data = PartyInput(
            kind=Party.Kind.PERSON,
            pesel=pesel,
            first_names=first_names,
            surname=surname,
            birth_date=birth_date,
            sex=sex,
            address=_address(rng, town, villages, town_share=0.6),
        )
        if rng.random() < 0.2:
            data.email = f"{_email_local(first_names.split()[0], surname)}{n}@example.com"
            data.email_consent = True
        if rng.random() < 0.15:
            data.phone = _phone(rng)
            data.phone_consent = rng.random() < 0.5
        if rng.random() < 0.1:  # runs a sole-proprietor business
            data.nip = generate_nip(20_000 + n)
        people.append(data)
    return people


def _organisation_inputs(rng: random.Random, town: list[_Place], villages: list[_Place]) -> list[PartyInput]:
    organisations = []
    for n, (name, legal_form, in_krs) in enumerate(ORGANISATION_LIST):
        data = PartyInput(
            kind=Party.Kind.ORGANISATION,
            name=name,
            legal_form=legal_form,
            nip=generate_nip(30_000 + n),
            regon=generate_regon9(30_000 + n),
            krs=f"{rng.randrange(1, 1_100_000):010d}" if in_krs else "",
            address=_address(rng, town, villages, town_share=0.75),
        )
        if rng.random() < 0.2:
            data.email = f"biuro{n}@example.com"
            data.email_consent = True
        if rng.random() < 0.5:
            data.phone = _phone(rng)
        organisations.append(data)
    return organisations


class Command(BaseCommand):
    help = (
        "Create the demo municipality (gmina Magistrowo): TERYT, roles, units, demo users with password "
        '"demo" (demo only!) and 340 parties. Idempotent: running it again creates nothing new.'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under production settings (creates users with the password 'demo'!).",
        )

    def handle(self, *args, **options):
        module = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if module.endswith("production") and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates demo users with the password 'demo'; refusing under production settings "
                "(use --allow-production on a training instance)."
            )
        with transaction.atomic():
            teryt = self._teryt()
            role_count = len(roles_sync())
            units, units_created = self._org_units()
            users_created = self._staff(units)
            admin = User.objects.get(username="admin")
            people, parties_created, parties_skipped = self._parties(admin)
            users_created += self._resident(people)
            extra = [(name, fn(actor=admin, stdout=self.stdout)) for name, fn in demo_seeders()]
        self._summary(teryt, role_count, units_created, users_created, parties_created, parties_skipped)
        for name, summary in extra:
            self.stdout.write(f"{name}: {summary}")

    def _teryt(self):
        try:
            return teryt_import(
                actor="manage.py seed_demo",
                terc=(FIXTURES / "TERC.csv").read_bytes(),
                simc=(FIXTURES / "SIMC.csv").read_bytes(),
                ulic=(FIXTURES / "ULIC.csv").read_bytes(),
            )
        except TerytImportError as exc:  # pragma: no cover - the fixture is tested
            raise CommandError("\n".join(exc.messages)) from exc

    def _org_units(self) -> tuple[dict[str, OrgUnit], int]:
        units: dict[str, OrgUnit] = {}
        created_count = 0
        for symbol, name, parent in ORG_UNITS:
            unit, created = OrgUnit.objects.get_or_create(
                symbol=symbol, defaults={"name": name, "parent": units[parent] if parent else None}
            )
            units[symbol] = unit
            created_count += created
        return units, created_count

    def _staff(self, units: dict[str, OrgUnit]) -> int:
        created_count = 0
        for username, first_name, last_name, role, unit, job_title in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@magistrowo.example",
                    "org_unit": units[unit],
                    "job_title": job_title,
                    "is_staff": role == roles.ADMINISTRATOR,
                    "is_superuser": role == roles.ADMINISTRATOR,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created_count += 1
            user.groups.add(Group.objects.get(name=role))
        head = User.objects.get(username="kierownik")
        if units["FN"].head_id != head.pk:
            units["FN"].head = head
            units["FN"].save(update_fields=["head"])
        return created_count

    def _parties(self, actor: User) -> tuple[list[PartyInput], dict[str, int], int]:
        """Create the demo parties; returns the persons' data, the counts created per kind, the skipped."""
        rng = random.Random(SEED)
        town, villages = _places()
        people = _person_inputs(rng, town, villages)
        inputs = people + _organisation_inputs(rng, town, villages)
        pesels = set(Party.objects.filter(pesel__in=[p.pesel for p in people]).values_list("pesel", flat=True))
        nips = set(Party.objects.filter(nip__in=[p.nip for p in inputs if p.nip]).values_list("nip", flat=True))
        created = {Party.Kind.PERSON: 0, Party.Kind.ORGANISATION: 0}
        skipped = 0
        for data in inputs:
            if (data.pesel and data.pesel in pesels) or (data.nip and data.nip in nips):
                skipped += 1
                continue
            try:
                party_create(actor=actor, data=data)
            except ServiceValidationError as exc:  # pragma: no cover - the generator makes valid data
                raise CommandError(f"{data.pesel or data.name}: {exc.errors}") from exc
            created[data.kind] += 1
        return people, created, skipped

    def _resident(self, people: list[PartyInput]) -> int:
        """The portal's demo resident is the first demo person with an e-mail address."""
        data = next(p for p in people if p.email)
        party = Party.objects.get(pesel=data.pesel)
        user, created = User.objects.get_or_create(
            username=RESIDENT_USERNAME,
            defaults={
                "first_name": party.first_names.split()[0],
                "last_name": party.surname,
                "email": party.email,
                "party": party,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=roles.RESIDENT))
        return int(created)

    def _summary(self, teryt, role_count, units_created, users_created, parties_created, parties_skipped) -> None:
        write = self.stdout.write
        write(_("Demo municipality: gmina Magistrowo (TERC 1499013)."))
        for label, counts in (("TERC", teryt.terc), ("SIMC", teryt.simc), ("ULIC", teryt.ulic)):
            write(
                _("  TERYT %(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"file": label, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
            )
        write(_("  Roles synchronised: %(count)d groups.") % {"count": role_count})
        write(
            _("  Organisational units: %(created)d created, %(total)d in the demo.")
            % {"created": units_created, "total": len(ORG_UNITS)}
        )
        write(
            _("  Users: %(created)d created, %(total)d in the demo.")
            % {"created": users_created, "total": len(STAFF) + 1}
        )
        write(
            _("  Parties: %(persons)d persons and %(organisations)d organisations created, %(skipped)d already there.")
            % {
                "persons": parties_created[Party.Kind.PERSON],
                "organisations": parties_created[Party.Kind.ORGANISATION],
                "skipped": parties_skipped,
            }
        )
        write("")
        write(_('Demo logins (password "%(password)s": demo data only!):') % {"password": DEMO_PASSWORD})
        rows = [(username, str(roles.ROLE_LABELS[role])) for username, _f, _l, role, _u, _t in STAFF]
        rows.append((RESIDENT_USERNAME, str(roles.ROLE_LABELS[roles.RESIDENT])))
        header = (_("username"), _("password"), _("role"))
        width_user = max(len(header[0]), *(len(username) for username, _label in rows)) + 2
        width_password = max(len(header[1]), len(DEMO_PASSWORD)) + 2
        for username, password, label in [header, *((u, DEMO_PASSWORD, r) for u, r in rows)]:
            write(f"  {username:<{width_user}}{password:<{width_password}}{label}")
