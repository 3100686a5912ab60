"""Demo residents of gmina Magistrowo for ``manage.py seed_demo`` (registered in PopulationConfig.ready()).

About 2 000 people in households: families sharing a flat or a house, spread over the town's streets and
the villages; most registered for permanent stay, some with an earlier permanent address in the gmina
(the new registration ends the old one), temporary stays (some ended on their planned date by the expiry
rule, some in force), foreigners (UA, DE, VN), a few de-registered, deceased and emigrated people.

Everything goes through the services (party_create, resident_create, registration_register, …), so the
rules are checked and the audit log is written as for a clerk's work. The plan is generated from a fixed
random seed and a fixed reference date (DEMO_DATE): the same people, PESELs and dates on every machine.
Idempotent: a planned person whose PESEL is already in the party register is skipped (so a second run
creates nothing; a PESEL that happened to be taken by another demo party is skipped the same way).
"""

import datetime
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from core.domain.identifiers import generate_pesel
from core.models import Locality, Party
from core.services.parties import AddressInput, PartyInput, party_create
from population.models import Registration
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_register,
    registrations_expire_due,
    resident_create,
    resident_record_death,
    resident_record_emigration,
)

SEED = 20260903
DEMO_DATE = datetime.date(2026, 9, 1)  # the plan's "today": every generated date is on or before it
TARGET_PEOPLE = 2000
TOWN_POSTAL_CODE, RURAL_POSTAL_CODE = "05-990", "05-991"
BLOCK_STREETS = ("90002", "90008", "90010")  # ul. Jana Pawła II, al. Niepodległości, os. Zielone: blocks of flats

# The family used in the docs and the tests: al. Niepodległości 12/4, Magistrowo.
SHOWCASE = {"street": "90008", "building": "12", "flat": "4", "since": datetime.date(2012, 5, 1)}

MALE_NAMES = [
    "Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Jakub", "Grzegorz",
    "Józef", "Stanisław", "Wojciech", "Mateusz", "Kamil", "Adam", "Zbigniew", "Jerzy", "Dariusz", "Rafał", "Szymon",
    "Bartłomiej", "Zdzisław", "Ryszard", "Henryk", "Mirosław", "Sławomir", "Czesław", "Bogdan", "Tadeusz",
    "Kazimierz", "Władysław", "Maciej", "Przemysław", "Radosław", "Jarosław", "Bolesław", "Marek", "Leszek",
]  # fmt: skip
FEMALE_NAMES = [
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta", "Zofia",
    "Joanna", "Magdalena", "Monika", "Aleksandra", "Jadwiga", "Halina", "Beata", "Dorota", "Urszula", "Wiesława",
    "Bożena", "Grażyna", "Teresa", "Danuta", "Irena", "Jolanta", "Renata", "Iwona", "Sylwia", "Justyna", "Agata",
    "Marta", "Kinga", "Żaneta", "Łucja", "Stanisława", "Genowefa", "Bogumiła", "Jadwiga", "Wanda",
]  # fmt: skip
BOYS = [
    "Antoni", "Jan", "Aleksander", "Franciszek", "Nikodem", "Szymon", "Filip", "Leon", "Mikołaj", "Stanisław",
    "Ignacy", "Wojciech", "Kacper", "Igor", "Tymon", "Miłosz", "Józef", "Kazimierz", "Bartosz", "Jędrzej",
]  # fmt: skip
GIRLS = [
    "Zuzanna", "Zofia", "Hanna", "Julia", "Maja", "Lena", "Alicja", "Oliwia", "Laura", "Pola", "Łucja", "Amelia",
    "Wiktoria", "Natalia", "Maria", "Jagoda", "Liliana", "Gabriela", "Małgorzata", "Róża",
]  # fmt: skip
# Male forms; the female form of -ski / -cki / -dzki ends in -a, the others are the same for both.
SURNAMES = [
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski",
    "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowicki",
    "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek", "Zając", "Górski",
    "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski",
    "Pietrzak", "Wróblewski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk", "Borkowski",
    "Czarnecki", "Sawicki", "Sokołowski", "Urbański", "Kubiak", "Maciejewski", "Szczepański", "Kucharski",
    "Wilk", "Kalinowski", "Lis", "Mazurek", "Wysocki", "Adamski", "Kaźmierczak", "Wasilewski", "Sobczak",
    "Czerwiński", "Andrzejewski", "Cieślak", "Głowacki", "Zakrzewski", "Kołodziej", "Sikorski", "Krajewski",
    "Gajewski", "Szymczak", "Szulc", "Baranowski", "Laskowski", "Brzeziński", "Makowski", "Ziółkowski",
    "Przybylski", "Żak", "Świątek", "Łuczak", "Sęk", "Gołębiowski", "Ślusarczyk", "Żurawski", "Kaczmarek",
]  # fmt: skip
BIRTH_PLACES = [
    "Magistrowo", "Magistrowo", "Magistrowo", "Warszawa", "Radom", "Siedlce", "Płock", "Ostrołęka", "Łódź",
    "Lublin", "Białystok", "Kraków", "Mińsk Mazowiecki", "Garwolin", "Sokołów Podlaski", "Węgrów",
]  # fmt: skip
FOREIGN = {  # citizenship: (male first names, female first names, surnames, places of birth)
    "UA": (
        ["Ołeksandr", "Andrij", "Serhij", "Mykoła", "Wołodymyr", "Dmytro", "Ihor", "Taras", "Bohdan", "Jurij"],
        ["Ołena", "Tetiana", "Natalia", "Oksana", "Iryna", "Switłana", "Julia", "Hałyna", "Kateryna", "Marija"],
        ["Kowalenko", "Szewczenko", "Bondarenko", "Tkaczenko", "Kowalczuk", "Melnyk", "Ołijnyk", "Szewczuk",
         "Poliszczuk", "Łysenko", "Marczenko", "Hnatiuk", "Sawczenko", "Kraweć"],
        ["Kijów", "Lwów", "Charków", "Odessa", "Łuck", "Równe", "Winnica"],
    ),
    "DE": (
        ["Klaus", "Jürgen", "Hans", "Wolfgang", "Dieter"],
        ["Sabine", "Ursula", "Monika", "Petra", "Gisela"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"],
        ["Berlin", "Hamburg", "Lipsk", "Drezno"],
    ),
    "VN": (
        ["Van Hung", "Van Minh", "Duc Anh", "Quang Huy", "Van Nam"],
        ["Thi Lan", "Thi Mai", "Thi Hoa", "Thi Huong", "Thi Thu"],
        ["Nguyen", "Tran", "Le", "Pham", "Hoang"],
        ["Hanoi", "Hajfong", "Nam Dinh"],
    ),
}  # fmt: skip
FOREIGN_HOUSEHOLDS = {"UA": 16, "DE": 3, "VN": 3}


def female_form(surname: str) -> str:
    return surname[:-1] + "a" if surname.endswith(("ski", "cki", "dzki")) else surname


@dataclass(frozen=True)
class Dwelling:
    locality_id: int
    street_id: int | None
    building: str
    flat: str
    postal_code: str

    def address(self) -> AddressInput:
        return AddressInput(
            locality_id=self.locality_id,
            street_id=self.street_id,
            building_number=self.building,
            flat_number=self.flat,
            postal_code=self.postal_code,
        )


@dataclass
class Stay:
    kind: str
    dwelling: Dwelling
    start: datetime.date
    planned_end: datetime.date | None = None
    form: str = Registration.Form.PAPER


@dataclass
class Person:
    first_names: str
    surname: str
    sex: str
    birth_date: datetime.date
    pesel: str = ""
    citizenship: str = "PL"
    family_name: str = ""
    father_name: str = ""
    mother_name: str = ""
    birth_place: str = ""
    stays: list[Stay] = field(default_factory=list)
    # ("deregistered" | "death" | "emigration", date): what ends the story, after the stays
    end: tuple[str, datetime.date] | None = None
    is_child: bool = False


@dataclass
class _Places:
    town_id: int
    town_streets: dict[str, int]  # ULIC SYM_UL → street id
    villages: list[tuple[int, list[int]]]  # (locality id, street ids)


def _places() -> _Places:
    prefix = settings.MAGISTRAT_GMINA_TERC[:6]
    localities = list(Locality.objects.filter(gmina__code__startswith=prefix).select_related("gmina").order_by("sym"))
    town = next(loc for loc in localities if loc.gmina.kind == "4")
    villages = [(loc.pk, list(loc.streets.order_by("sym_ul").values_list("pk", flat=True))) for loc in localities]
    return _Places(
        town_id=town.pk,
        town_streets=dict(town.streets.order_by("sym_ul").values_list("sym_ul", "pk")),
        villages=[(pk, streets) for pk, streets in villages if pk != town.pk],
    )


class _Planner:
    """Generates the demo population from the seed; touches the database only to read the places."""

    def __init__(self, places: _Places, rng: random.Random):
        self.places = places
        self.rng = rng
        self.pesels: set[str] = set()
        self.dwellings: set[Dwelling] = set()
        self.people: list[Person] = []

    # --- helpers -------------------------------------------------------------------------------------------

    def date_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        if last <= first:
            return first
        return first + datetime.timedelta(days=self.rng.randrange((last - first).days + 1))

    def add_years(self, day: datetime.date, years: int) -> datetime.date:
        return day.replace(year=day.year + years, day=min(day.day, 28))

    def pesel(self, birth: datetime.date, sex: str) -> str:
        while True:
            number = generate_pesel(birth, sex, self.rng.randrange(1000))
            if number not in self.pesels:
                self.pesels.add(number)
                return number

    def dwelling(self, *, town_share: float = 0.65) -> Dwelling:
        """A place nobody else in the plan lives at: a flat in a block, or a house (town or village)."""
        rng = self.rng
        while True:
            if rng.random() < town_share:
                sym = rng.choice(sorted(self.places.town_streets))
                street_id = self.places.town_streets[sym]
                if sym in BLOCK_STREETS:
                    building, flat = str(rng.randint(1, 24)), str(rng.randint(1, 45))
                elif rng.random() < 0.1:  # a small house with flats
                    building, flat = str(rng.randint(1, 90)), str(rng.randint(1, 6))
                else:
                    building, flat = str(rng.randint(1, 90)) + ("A" if rng.random() < 0.06 else ""), ""
                dwelling = Dwelling(self.places.town_id, street_id, building, flat, TOWN_POSTAL_CODE)
            else:
                locality_id, streets = rng.choice(self.places.villages)
                street_id = rng.choice(streets) if streets else None
                dwelling = Dwelling(locality_id, street_id, str(rng.randint(1, 60)), "", RURAL_POSTAL_CODE)
            if dwelling not in self.dwellings:
                self.dwellings.add(dwelling)
                return dwelling

    def form(self, start: datetime.date) -> str:
        if start.year >= 2018 and self.rng.random() < 0.3:
            return Registration.Form.ELECTRONIC
        return Registration.Form.PAPER

    def adult(self, sex: str, surname: str, *, born_from: int, born_to: int, citizenship: str = "PL") -> Person:
        rng = self.rng
        if citizenship == "PL":
            names = MALE_NAMES if sex == "M" else FEMALE_NAMES
            first = rng.choice(names)
            if rng.random() < 0.25:
                first += " " + rng.choice([n for n in names if n != first])
            places = BIRTH_PLACES
            parents = (rng.choice(MALE_NAMES), rng.choice(FEMALE_NAMES))
        else:
            male, female, _surnames, places = FOREIGN[citizenship]
            first = rng.choice(male if sex == "M" else female)
            parents = (rng.choice(male), rng.choice(female))
        birth = self.date_between(datetime.date(born_from, 1, 1), datetime.date(born_to, 12, 31))
        return Person(
            first_names=first,
            surname=surname if sex == "M" else female_form(surname),
            sex=sex,
            birth_date=birth,
            pesel=self.pesel(birth, sex),
            citizenship=citizenship,
            family_name=(surname if sex == "M" else female_form(surname)),
            father_name=parents[0],
            mother_name=parents[1],
            birth_place=rng.choice(places),
        )

    def child(self, father: Person | None, mother: Person, surname: str, born_after: datetime.date) -> Person:
        rng = self.rng
        sex = rng.choice("MF")
        if mother.citizenship == "PL":
            first = rng.choice(BOYS if sex == "M" else GIRLS)
        else:
            male, female, _s, _p = FOREIGN[mother.citizenship]
            first = rng.choice(male if sex == "M" else female)
        birth = self.date_between(born_after, DEMO_DATE - datetime.timedelta(days=40))
        name = surname if sex == "M" else female_form(surname)
        return Person(
            first_names=first,
            surname=name,
            sex=sex,
            birth_date=birth,
            pesel=self.pesel(birth, sex),
            citizenship=mother.citizenship,
            family_name=name,
            father_name=father.first_names.split()[0] if father else "",
            mother_name=mother.first_names.split()[0],
            birth_place="Magistrowo" if rng.random() < 0.7 else rng.choice(BIRTH_PLACES),
            is_child=True,
        )

    # --- households ----------------------------------------------------------------------------------------

    def household(self, *, citizenship: str = "PL", dwelling: Dwelling | None = None, since=None) -> list[Person]:
        """A household and its permanent registrations: where it lives now and, for some, where it lived before."""
        rng = self.rng
        surnames = SURNAMES if citizenship == "PL" else FOREIGN[citizenship][2]
        surname = rng.choice(surnames)
        shape = rng.choices(
            ["single", "couple", "family", "single_parent", "three_generations", "seniors"],
            weights=[22, 18, 35, 8, 5, 12] if citizenship == "PL" else [25, 25, 40, 10, 0, 0],
        )[0]
        members: list[Person] = []
        if shape == "single":
            members.append(self.adult(rng.choice("MF"), surname, born_from=1940, born_to=2004, citizenship=citizenship))
        elif shape == "seniors":
            husband = self.adult("M", surname, born_from=1936, born_to=1958, citizenship=citizenship)
            wife = self.adult("F", surname, born_from=1938, born_to=1960, citizenship=citizenship)
            wife.family_name = female_form(rng.choice(surnames))
            members += [husband, wife]
        else:
            young = shape in ("family", "single_parent", "three_generations")
            born_from, born_to = (1970, 1998) if young else (1950, 2000)
            mother = self.adult("F", surname, born_from=born_from, born_to=born_to, citizenship=citizenship)
            mother.family_name = female_form(rng.choice(surnames))
            father = None
            if shape != "single_parent":
                father = self.adult("M", surname, born_from=born_from - 3, born_to=born_to, citizenship=citizenship)
                members.append(father)
            members.append(mother)
            if young:
                first_child = max(
                    mother.birth_date.replace(year=mother.birth_date.year + 20, day=1), datetime.date(1990, 1, 1)
                )
                for _n in range(rng.choice([1, 1, 2, 2, 2, 3]) if shape != "single_parent" else rng.choice([1, 2])):
                    members.append(self.child(father, mother, surname, first_child))
            if shape == "three_generations":
                grandma = self.adult("F", surname, born_from=1936, born_to=1952, citizenship=citizenship)
                grandma.family_name = female_form(rng.choice(surnames))
                members.append(grandma)
        self.register_household(members, dwelling=dwelling, since=since)
        return members

    def register_household(self, members: list[Person], *, dwelling: Dwelling | None, since) -> None:
        rng = self.rng
        adults = [m for m in members if not m.is_child]
        earliest = max(max(self.add_years(m.birth_date, 18) for m in adults), datetime.date(1975, 1, 1))
        moved_in = since or self.date_between(earliest, DEMO_DATE - datetime.timedelta(days=60))
        history: list[tuple[Dwelling, datetime.date]] = []
        if since is None and rng.random() < 0.18 and (moved_in - earliest).days > 800:
            history.append((self.dwelling(), self.date_between(earliest, moved_in - datetime.timedelta(days=400))))
        history.append((dwelling or self.dwelling(), moved_in))
        for member in members:
            for n, (place, start) in enumerate(history):
                start = max(start, member.birth_date)
                next_start = history[n + 1][1] if n + 1 < len(history) else None
                if next_start is not None and start >= next_start:
                    continue  # born after the household moved on
                member.stays.append(Stay(Registration.Kind.PERMANENT, place, start, form=self.form(start)))
        self.people += members

    def temporary_guests(self, count: int) -> None:
        """People staying for a time (work, studies): only a temporary stay here; about half already ended."""
        rng = self.rng
        for n in range(count):
            citizenship = "UA" if n % 3 == 0 else "PL"
            surname = rng.choice(SURNAMES if citizenship == "PL" else FOREIGN["UA"][2])
            person = self.adult(rng.choice("MF"), surname, born_from=1975, born_to=2005, citizenship=citizenship)
            adult_from = self.add_years(person.birth_date, 18)
            if n % 2:  # ended: its planned end came before DEMO_DATE (the expiry rule ends it)
                start = max(self.date_between(datetime.date(2019, 1, 1), datetime.date(2025, 6, 30)), adult_from)
                end = start + datetime.timedelta(days=rng.randint(90, 360))
            else:  # in force on DEMO_DATE
                start = max(
                    self.date_between(datetime.date(2025, 3, 1), DEMO_DATE - datetime.timedelta(days=30)), adult_from
                )
                end = DEMO_DATE + datetime.timedelta(days=rng.randint(90, 600))
            person.stays.append(Stay(Registration.Kind.TEMPORARY, self.dwelling(town_share=0.8), start, end))
            self.people.append(person)

    def temporary_stays_of_residents(self, count: int) -> None:
        """Residents with an additional temporary stay at another address in the gmina."""
        candidates = [p for p in self.people if p.stays and p.citizenship == "PL" and p.end is None]
        for person in self.rng.sample(candidates, min(count, len(candidates))):
            last = person.stays[-1].start
            start = self.date_between(max(last, datetime.date(2024, 1, 1)), DEMO_DATE - datetime.timedelta(days=10))
            end = start + datetime.timedelta(days=self.rng.randint(60, 720))
            person.stays.append(Stay(Registration.Kind.TEMPORARY, self.dwelling(), start, end))

    def endings(self, *, deceased: int, emigrated: int, deregistered: int) -> None:
        rng = self.rng
        eligible = [
            p for p in self.people if p.stays and p.end is None and p.stays[-1].kind == Registration.Kind.PERMANENT
        ]
        seniors = [p for p in eligible if p.birth_date < datetime.date(1955, 1, 1)]
        for person in rng.sample(seniors, min(deceased, len(seniors))):
            person.end = ("death", self.date_between(person.stays[-1].start, DEMO_DATE - datetime.timedelta(days=1)))
        adults = [
            p
            for p in eligible
            if p.end is None and datetime.date(1975, 1, 1) <= p.birth_date <= datetime.date(2004, 1, 1)
        ]
        chosen = rng.sample(adults, min(emigrated + deregistered, len(adults)))
        for n, person in enumerate(chosen):
            day = self.date_between(person.stays[-1].start, DEMO_DATE - datetime.timedelta(days=1))
            person.end = ("emigration" if n < emigrated else "deregistered", day)


def plan(places: _Places | None = None, *, people: int = TARGET_PEOPLE) -> list[Person]:
    """The demo population (deterministic): households until ``people`` persons, then the special cases."""
    planner = _Planner(places or _places(), random.Random(SEED))  # noqa: S311 (demo data, reproducible)
    showcase_street = planner.places.town_streets[SHOWCASE["street"]]
    showcase = Dwelling(
        planner.places.town_id, showcase_street, SHOWCASE["building"], SHOWCASE["flat"], TOWN_POSTAL_CODE
    )
    planner.dwellings.add(showcase)
    _showcase_family(planner, showcase)
    for citizenship, count in FOREIGN_HOUSEHOLDS.items():
        for _n in range(max(1, count * people // TARGET_PEOPLE)):
            planner.household(citizenship=citizenship)
    guests = max(4, 40 * people // TARGET_PEOPLE)
    while len(planner.people) < people - guests:
        planner.household()
    planner.temporary_guests(people - len(planner.people))
    planner.temporary_stays_of_residents(max(2, 25 * people // TARGET_PEOPLE))
    planner.endings(
        deceased=max(2, 25 * people // TARGET_PEOPLE),
        emigrated=max(2, 20 * people // TARGET_PEOPLE),
        deregistered=max(2, 30 * people // TARGET_PEOPLE),
    )
    return planner.people


def _showcase_family(planner: _Planner, dwelling: Dwelling) -> None:
    """Jan and Anna Kowalscy with their children Zofia and Antoni, at al. Niepodległości 12/4 since 1.05.2012."""

    def person(first, surname, sex, birth, **extra) -> Person:
        return Person(first, surname, sex, birth, pesel=planner.pesel(birth, sex), **extra)

    jan = person("Jan Krzysztof", "Kowalski", "M", datetime.date(1981, 3, 14), family_name="Kowalski",
                 father_name="Stanisław", mother_name="Krystyna", birth_place="Magistrowo")  # fmt: skip
    anna = person("Anna", "Kowalska", "F", datetime.date(1983, 11, 2), family_name="Wiśniewska",
                  father_name="Józef", mother_name="Halina", birth_place="Siedlce")  # fmt: skip
    zofia = person("Zofia", "Kowalska", "F", datetime.date(2013, 6, 20), family_name="Kowalska",
                   father_name="Jan", mother_name="Anna", birth_place="Magistrowo")  # fmt: skip
    antoni = person("Antoni", "Kowalski", "M", datetime.date(2017, 9, 8), family_name="Kowalski",
                    father_name="Jan", mother_name="Anna", birth_place="Magistrowo")  # fmt: skip
    planner.register_household([jan, anna, zofia, antoni], dwelling=dwelling, since=SHOWCASE["since"])


@dataclass
class _Counts:
    created: int = 0
    skipped: int = 0
    registrations: int = 0
    ended: int = 0


def _create(actor, person: Person, counts: _Counts) -> None:
    last_permanent = next((s for s in reversed(person.stays) if s.kind == Registration.Kind.PERMANENT), None)
    party = party_create(
        actor=actor,
        data=PartyInput(
            kind=Party.Kind.PERSON,
            pesel=person.pesel,
            first_names=person.first_names,
            surname=person.surname,
            birth_date=person.birth_date,
            sex=person.sex,
            address=(last_permanent or person.stays[-1]).dwelling.address() if person.stays else None,
        ),
    )
    resident = resident_create(
        actor=actor,
        party=party,
        data=ResidentInput(
            citizenship=person.citizenship,
            family_name=person.family_name,
            father_name=person.father_name,
            mother_name=person.mother_name,
            birth_place=person.birth_place,
        ),
    )
    registrations = []
    for stay in person.stays:
        registrations.append(
            registration_register(
                actor=actor,
                resident=resident,
                kind=stay.kind,
                address=stay.dwelling.address(),
                start_date=stay.start,
                planned_end_date=stay.planned_end,
                form=stay.form,
                today=DEMO_DATE,
            )
        )
    counts.registrations += len(registrations)
    if person.end:
        what, day = person.end
        if what == "death":
            resident_record_death(actor=actor, resident=resident, death_date=day, today=DEMO_DATE)
        elif what == "emigration":
            resident_record_emigration(actor=actor, resident=resident, departure_date=day, today=DEMO_DATE)
        else:
            permanent = next(r for r in reversed(registrations) if r.kind == Registration.Kind.PERMANENT)
            registration_deregister(actor=actor, registration=permanent, end_date=day, today=DEMO_DATE)
    counts.created += 1


def seed_population(*, actor, stdout, people: int = TARGET_PEOPLE) -> str:
    """Create the demo residents (skipping those already there); returns a one-line summary."""
    planned = plan(people=people)
    existing = set(Party.objects.filter(pesel__in=[p.pesel for p in planned]).values_list("pesel", flat=True))
    counts = _Counts()
    for person in planned:
        if person.pesel in existing:
            counts.skipped += 1
            continue
        _create(actor, person, counts)
    # The nightly rule, as of the plan's date: temporary stays whose planned end has come are ended.
    counts.ended = registrations_expire_due(today=DEMO_DATE, actor=actor)
    return _(
        "%(created)d residents created (%(skipped)d already there), %(registrations)d registrations of stay, "
        "%(ended)d temporary stays ended on their planned date."
    ) % {
        "created": counts.created,
        "skipped": counts.skipped,
        "registrations": counts.registrations,
        "ended": counts.ended,
    }
