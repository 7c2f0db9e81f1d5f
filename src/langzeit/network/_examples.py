"""Network layer: two small illustrative social spaces from the seeds (rural Plön-like, Leipzig-like city).

The actors are modelled on what the seed programmes report (PaN in Kreis Plön with
two day clinics, a health insurer's seminars and a workshop for work diagnostics;
Sanus LE and LIPSY in Leipzig). Names, figures and people are illustrative, not data.
"""

from __future__ import annotations

from datetime import date

from langzeit.domain import Coach, Consent, Organisation, Participant
from langzeit.exceptions import UnknownNameError
from langzeit.network._records import Location, ParticipantProfile, Person, Schedule, Service, Tie, Travel
from langzeit.network._space import Record, SocialSpace

__all__ = ["EXAMPLE_SPACES", "example_space"]

#: Names of the shipped example spaces (also in ``examples/social-space-<name>.json``).
EXAMPLE_SPACES = ("ploen", "leipzig")


def _orgs(rows: list[tuple[str, str, str, str]]) -> list[Record]:
    return [Organisation(i, n, kind=k, legal_domain=d) for i, n, k, d in rows]


def _locs(rows: list[tuple[str, str, str, str, int, float]]) -> list[Record]:
    return [Location(i, n, area=a, organisation_id=o, transit_minutes=m, fare=f) for i, n, a, o, m, f in rows]


def _travel(rows: list[tuple[str, str, int, float]]) -> list[Record]:
    return [Travel(a, b, minutes=m, fare=f) for a, b, m, f in rows]


def _ploen() -> SocialSpace:
    records: list[Record] = []
    records += _orgs([
        ("jc-ploen", "Jobcenter Kreis Plön", "jobcenter", "SGB II"),
        ("bruecke", "Träger Brücke (PaN)", "provider", "SGB II"),
        ("tk-preetz", "Tagesklinik Preetz", "day_clinic", "SGB V"),
        ("tk-luetjenburg", "Tagesklinik Lütjenburg", "day_clinic", "SGB V"),
        ("dak", "Krankenkasse (Seminare)", "health_insurer", "SGB V"),
        ("drv-nord", "Deutsche Rentenversicherung Nord", "pension_insurer", "SGB VI"),
        ("sb-ploen", "Schuldnerberatung Plön", "debt_counselling", "SGB II"),
        ("sucht-preetz", "Suchtberatung Preetz", "addiction_counselling", "SGB II"),
        ("sv-ploen", "TSV Plön", "sports_club", "none"),
        ("kita-luetjenburg", "Kita Lütjenburg", "childcare", "SGB VIII"),
        ("gaertnerei", "Gärtnerei Schönberg", "employer", "none"),
    ])
    records += _locs([
        ("jc-ploen-1", "Jobcenter Plön", "Plön", "jc-ploen", 5, 0.0),
        ("bruecke-preetz", "Gruppen- und Sozialräume Preetz", "Preetz", "bruecke", 5, 0.0),
        ("tk-preetz-1", "Tagesklinik Preetz", "Preetz", "tk-preetz", 10, 0.0),
        ("tk-luetjenburg-1", "Tagesklinik Lütjenburg", "Lütjenburg", "tk-luetjenburg", 5, 0.0),
        ("sb-ploen-1", "Schuldnerberatung Plön", "Plön", "sb-ploen", 5, 0.0),
        ("sucht-preetz-1", "Suchtberatung Preetz", "Preetz", "sucht-preetz", 5, 0.0),
        ("sv-ploen-1", "Sporthalle Plön", "Plön", "sv-ploen", 10, 0.0),
        ("kita-luetjenburg-1", "Kita Lütjenburg", "Lütjenburg", "kita-luetjenburg", 5, 0.0),
        ("gaertnerei-1", "Gärtnerei Schönberg", "Schönberg", "gaertnerei", 15, 0.0),
    ])
    records += _travel([
        ("Plön", "Preetz", 25, 3.9), ("Plön", "Lütjenburg", 35, 4.6), ("Preetz", "Lütjenburg", 55, 5.9),
        ("Plön", "Schönberg", 70, 6.2), ("Preetz", "Schönberg", 50, 5.4),
        ("Lütjenburg", "Schönberg", 40, 4.6),
        ("Selent", "Lütjenburg", 20, 2.8), ("Selent", "Plön", 45, 4.6),
    ])
    records += [
        Service("pan-gruppe", "bruecke", "PaN Gruppenangebot", needs=["social_contact", "mental_health"],
                location_ids=["bruecke-preetz"], schedules=[Schedule("09:00", "15:00", "MO,TU,WE,TH,FR")],
                capacity=15, available=4),
        Service("arbeitsdiagnostik", "bruecke", "Werkstatt Arbeitsdiagnostik", needs=["work"],
                location_ids=["bruecke-preetz"], schedules=[Schedule("08:00", "10:30", "MO,WE")]),
        Service("tk-preetz-beh", "tk-preetz", "Tagesklinische Behandlung", needs=["mental_health", "health"],
                location_ids=["tk-preetz-1"], schedules=[Schedule("08:00", "16:00")], capacity=20,
                available=0),
        Service("tk-luetj-beh", "tk-luetjenburg", "Tagesklinische Behandlung", needs=["mental_health"],
                location_ids=["tk-luetjenburg-1"], schedules=[Schedule("08:30", "15:30")],
                capacity=18, available=2),
        Service("dak-seminar", "dak", "Seminar Stressbewältigung", needs=["health"],
                location_ids=["bruecke-preetz"], schedules=[Schedule("10:00", "13:00", "WE")]),
        Service("drv-reha", "drv-nord", "Reha-Beratung (aufsuchend)", needs=["rehabilitation"],
                minimum_age=18,
                maximum_age=67, eligibility_description="Versicherte der Rentenversicherung"),
        Service("sb-beratung", "sb-ploen", "Schuldnerberatung", needs=["debt"], location_ids=["sb-ploen-1"],
                schedules=[Schedule("13:00", "17:00", "TU,TH")]),
        Service("sucht-beratung", "sucht-preetz", "Suchtberatung", needs=["addiction"],
                location_ids=["sucht-preetz-1"], schedules=[Schedule("10:00", "18:00")]),
        Service("sv-gesundheitssport", "sv-ploen", "Gesundheitssport", needs=["health", "social_contact"],
                location_ids=["sv-ploen-1"], schedules=[Schedule("17:00", "19:00", "TU,TH")]),
        Service("kita-platz", "kita-luetjenburg", "Kindertagesbetreuung", needs=["childcare"],
                location_ids=["kita-luetjenburg-1"], schedules=[Schedule("07:00", "16:00")],
                capacity=40, available=0),
        Service("gaertnerei-praktikum", "gaertnerei", "Praktikum Gärtnerei", needs=["work"],
                location_ids=["gaertnerei-1"], schedules=[Schedule("07:00", "12:00")]),
    ]
    records += [
        Coach("c-lena", role="provider_coach", organisation_id="bruecke"),
        Coach("c-jonas", role="provider_coach", organisation_id="bruecke"),
        Coach("c-mira", role="pap", organisation_id="jc-ploen", caseload_limit=60),
    ]
    profiles = [
        ("p-anna", "1985-03", "Plön", ["mental_health", "debt", "social_contact"], 45, 5.0, "09:00", True),
        ("p-bernd", "1971-11", "Selent", ["addiction", "work"], 60, 3.0, "10:00", True),
        ("p-carla", "1990-06", "Lütjenburg", ["childcare", "health", "work", "mental_health"], 40, None,
         "08:30", True),
        ("p-dirk", "1968-01", "Preetz", ["mental_health", "rehabilitation"], 30, 4.0, None, False),
        ("p-emil", "1979-09", "Plön", ["debt", "social_contact"], 30, 4.0, None, True),
    ]
    for pid, born, area, needs, minutes, fare, earliest, peers in profiles:
        person = Participant(pid, birth_month=born, single_parent=pid == "p-carla",
                             children=1 if pid == "p-carla" else 0)
        records.append(ParticipantProfile(person, home_area=area, needs=needs, max_minutes=minutes,
                                          max_fare=fare, earliest=earliest, programme_id="pan",
                                          wants_peers=peers))
    records += [Person("n-schwester", "contact", "Plön"), Person("n-nachbarin", "contact", "Lütjenburg"),
                Person("n-peer", "peer", "Plön")]
    d = date
    records += [
        Tie("t-anna-lena", "p-anna", "c-lena", held_by="c-lena", strength=3, since=d(2024, 1, 15),
            consent=True),
        Tie("t-anna-mira", "p-anna", "c-mira", held_by="c-mira", since=d(2023, 6, 1)),
        Tie("t-anna-schwester", "p-anna", "n-schwester", kind="personal", held_by="p-anna", strength=3),
        Tie("t-anna-sv", "p-anna", "sv-ploen", kind="personal", held_by="p-anna", strength=2),
        Tie("t-bernd-jonas", "p-bernd", "c-jonas", held_by="c-jonas", since=d(2024, 2, 1)),
        Tie("t-carla-lena", "p-carla", "c-lena", held_by="c-lena", since=d(2024, 1, 15)),
        Tie("t-carla-nachbarin", "p-carla", "n-nachbarin", kind="personal", held_by="p-carla", strength=2),
        Tie("t-dirk-jonas", "p-dirk", "c-jonas", held_by="c-jonas", since=d(2024, 1, 15)),
        Tie("t-emil-lena", "p-emil", "c-lena", held_by="c-lena", since=d(2024, 3, 1)),
        Tie("t-emil-peer", "p-emil", "n-peer", kind="personal", held_by="p-emil"),
        Tie("t-lena-tk", "c-lena", "tk-preetz", kind="personal", strength=3, since=d(2019, 5, 1),
            last_contact=d(2024, 4, 20)),
        Tie("t-lena-sb", "c-lena", "sb-ploen", kind="personal", strength=2),
        Tie("t-lena-kita", "c-lena", "kita-luetjenburg", kind="personal"),
        Tie("t-jonas-sucht", "c-jonas", "sucht-preetz", strength=2),
        Tie("t-jonas-tk", "c-jonas", "tk-luetjenburg", kind="personal", strength=2),
        Tie("t-mira-drv", "c-mira", "drv-nord"),
        Tie("t-jc-bruecke", "jc-ploen", "bruecke", strength=3),
        Tie("t-bruecke-dak", "bruecke", "dak", strength=2, since=d(2021, 10, 1)),
        Tie("t-jc-drv", "jc-ploen", "drv-nord"),
        Tie("t-jc-sb", "jc-ploen", "sb-ploen", strength=2),
    ]
    records += [
        Consent("k-anna-bruecke", "p-anna", "data_exchange", "bruecke", given=d(2024, 1, 15)),
        Consent("k-anna-tk", "p-anna", "data_exchange", "tk-preetz", given=d(2024, 2, 1)),
        Consent("k-dirk-bruecke", "p-dirk", "data_exchange", "bruecke", given=d(2024, 1, 10)),
        Consent("k-dirk-tk", "p-dirk", "data_exchange", "tk-luetjenburg", given=d(2024, 1, 10),
                withdrawn=d(2024, 5, 1)),
        Consent("k-carla-kita", "p-carla", "referral", "kita-luetjenburg", given=d(2024, 2, 1)),
        # the provider's coaching itself passes data to the provider (DOMAIN.md § 6)
        Consent("k-bernd-bruecke", "p-bernd", "data_exchange", "bruecke", given=d(2024, 2, 1)),
        Consent("k-carla-bruecke", "p-carla", "data_exchange", "bruecke", given=d(2024, 1, 15)),
        Consent("k-emil-bruecke", "p-emil", "data_exchange", "bruecke", given=d(2024, 3, 1)),
    ]
    space = SocialSpace("Kreis Plön (illustrativ)")
    space.extend(records)
    return space


def _leipzig() -> SocialSpace:
    records: list[Record] = []
    records += _orgs([
        ("jc-leipzig", "Jobcenter Leipzig", "jobcenter", "SGB II"),
        ("sanus", "Sanus LE Projektteam", "provider", "SGB II"),
        ("lipsy", "LIPSY psychologischer Dienst", "provider", "SGB II"),
        ("sb-gruenau", "Schuldnerberatung Grünau", "debt_counselling", "SGB II"),
        ("sb-mitte", "Schuldnerberatung Mitte", "debt_counselling", "SGB XII"),
        ("sucht-ost", "Suchtberatung Ost", "addiction_counselling", "SGB II"),
        ("psb-mitte", "Psychosoziale Beratung Mitte", "psychosocial_counselling", "SGB XII"),
        ("aok", "Krankenkasse (Präventionskurse)", "health_insurer", "SGB V"),
        ("drv-md", "DRV Mitteldeutschland", "pension_insurer", "SGB VI"),
        ("ifd", "Integrationsfachdienst", "integration_service", "SGB IX"),
        ("sv-gruenau", "Sportverein Grünau", "sports_club", "none"),
        ("kita-paunsdorf", "Kita Paunsdorf", "childcare", "SGB VIII"),
        ("sprachschule", "Sprachschule Mitte", "language_school", "SGB III"),
        ("peer-cafe", "Peer-Café Connewitz", "peer_group", "none"),
    ])
    records += _locs([
        ("jc-mitte", "Jobcenter Leipzig", "Mitte", "jc-leipzig", 5, 0.0),
        ("sanus-1", "Sanus LE Anlaufstelle", "Plagwitz", "sanus", 5, 0.0),
        ("lipsy-1", "LIPSY Beratungsräume", "Mitte", "lipsy", 5, 0.0),
        ("sb-gruenau-1", "Schuldnerberatung Grünau", "Grünau", "sb-gruenau", 5, 0.0),
        ("sb-mitte-1", "Schuldnerberatung Mitte", "Mitte", "sb-mitte", 5, 0.0),
        ("sb-gruenau-2", "Stadtteilbüro Grünau", "Grünau", "", 5, 0.0),
        ("sucht-ost-1", "Suchtberatung Ost", "Paunsdorf", "sucht-ost", 5, 0.0),
        ("psb-mitte-1", "Psychosoziale Beratung", "Mitte", "psb-mitte", 5, 0.0),
        ("aok-1", "Gesundheitszentrum", "Mitte", "aok", 5, 0.0),
        ("ifd-1", "Integrationsfachdienst", "Mitte", "ifd", 5, 0.0),
        ("sv-gruenau-1", "Sporthalle Grünau", "Grünau", "sv-gruenau", 10, 0.0),
        ("kita-paunsdorf-1", "Kita Paunsdorf", "Paunsdorf", "kita-paunsdorf", 5, 0.0),
        ("sprachschule-1", "Sprachschule", "Mitte", "sprachschule", 5, 0.0),
        ("peer-cafe-1", "Peer-Café", "Connewitz", "peer-cafe", 5, 0.0),
    ])
    areas = ["Mitte", "Grünau", "Paunsdorf", "Connewitz", "Plagwitz", "Schönefeld"]
    minutes = {("Grünau", "Mitte"): 25, ("Mitte", "Paunsdorf"): 20, ("Connewitz", "Mitte"): 15,
               ("Mitte", "Plagwitz"): 15, ("Mitte", "Schönefeld"): 15, ("Grünau", "Paunsdorf"): 45,
               ("Connewitz", "Grünau"): 35, ("Grünau", "Plagwitz"): 15, ("Grünau", "Schönefeld"): 40,
               ("Connewitz", "Paunsdorf"): 35, ("Paunsdorf", "Plagwitz"): 35, ("Paunsdorf", "Schönefeld"): 20,
               ("Connewitz", "Plagwitz"): 20, ("Connewitz", "Schönefeld"): 30, ("Plagwitz", "Schönefeld"): 30}
    records += [Travel(a, b, minutes=minutes[tuple(sorted((a, b)))], fare=3.0)  # type: ignore[index]
                for i, a in enumerate(areas) for b in areas[i + 1:]]
    records += [
        Service("sanus-coaching", "sanus", "Gesundheitscoaching", needs=["health", "mental_health"],
                location_ids=["sanus-1"], schedules=[Schedule("09:00", "16:00")]),
        Service("lipsy-screening", "lipsy", "Psychologisches Screening", needs=["mental_health"],
                location_ids=["lipsy-1"], schedules=[Schedule("08:00", "14:00")], capacity=30, available=0),
        Service("sb-gruenau-ber", "sb-gruenau", "Schuldnerberatung", needs=["debt"],
                location_ids=["sb-gruenau-1", "sb-gruenau-2"], schedules=[Schedule("09:00", "15:00")]),
        Service("sb-mitte-ber", "sb-mitte", "Schuldner- und Insolvenzberatung", needs=["debt"],
                location_ids=["sb-mitte-1"], schedules=[Schedule("10:00", "18:00")]),
        Service("sucht-ost-ber", "sucht-ost", "Suchtberatung", needs=["addiction"],
                location_ids=["sucht-ost-1"], schedules=[Schedule("10:00", "19:00")]),
        Service("psb-ber", "psb-mitte", "Psychosoziale Beratung", needs=["mental_health", "social_contact"],
                location_ids=["psb-mitte-1"], schedules=[Schedule("09:00", "17:00")]),
        Service("aok-kurs", "aok", "Präventionskurs Rücken", needs=["health"], location_ids=["aok-1"],
                schedules=[Schedule("16:00", "18:00", "MO,WE")]),
        Service("drv-beratung", "drv-md", "Reha-Beratung (telefonisch)", needs=["rehabilitation"],
                minimum_age=18, maximum_age=67),
        Service("ifd-beratung", "ifd", "Beratung schwerbehinderter Menschen",
                needs=["rehabilitation", "work"],
                location_ids=["ifd-1"], schedules=[Schedule("08:00", "16:00")]),
        Service("sv-lauftreff", "sv-gruenau", "Lauftreff", needs=["health", "social_contact"],
                location_ids=["sv-gruenau-1"], schedules=[Schedule("18:00", "19:30", "TU,TH")]),
        Service("kita-platz", "kita-paunsdorf", "Kindertagesbetreuung", needs=["childcare"],
                location_ids=["kita-paunsdorf-1"], schedules=[Schedule("06:30", "17:00")], capacity=60,
                available=3),
        Service("deutschkurs", "sprachschule", "Berufssprachkurs", needs=["language"],
                location_ids=["sprachschule-1"], schedules=[Schedule("08:30", "12:30")], minimum_age=18),
        Service("peer-treff", "peer-cafe", "Peer-Treff", needs=["social_contact", "mental_health"],
                location_ids=["peer-cafe-1"], schedules=[Schedule("14:00", "18:00", "WE")]),
    ]
    records += [
        Coach("c-sara", role="provider_coach", organisation_id="sanus"),
        Coach("c-tom", role="provider_coach", organisation_id="sanus"),
        Coach("c-ute", role="fallmanager", organisation_id="jc-leipzig", caseload_limit=60),
    ]
    profiles = [
        ("l-ali", "1988-02", "Grünau", ["debt", "language", "work"], 40, None, "09:00", "sanus-le"),
        ("l-birgit", "1975-07", "Paunsdorf", ["childcare", "mental_health", "debt"], 30, 0.0, None,
         "sanus-le"),
        ("l-chris", "1969-12", "Connewitz", ["addiction", "social_contact"], 45, None, "11:00", "sanus-le"),
        ("l-doris", "1981-04", "Schönefeld", ["mental_health", "health"], 35, None, None, "sanus-le"),
        ("l-elif", "1993-10", "Grünau", ["language", "childcare", "debt"], 45, None, "08:00", "sanus-le"),
    ]
    for pid, born, area, needs, mins, fare, earliest, prog in profiles:
        records.append(ParticipantProfile(Participant(pid, birth_month=born), home_area=area, needs=needs,
                                          max_minutes=mins, max_fare=fare, earliest=earliest,
                                          programme_id=prog))
    records += [Person("n-freund", "contact", "Connewitz"), Person("n-lotsin", "volunteer", "Grünau")]
    d = date
    records += [
        Tie("u-ali-sara", "l-ali", "c-sara", held_by="c-sara", consent=True),
        Tie("u-ali-lotsin", "l-ali", "n-lotsin", kind="personal", held_by="l-ali", strength=2),
        Tie("u-birgit-sara", "l-birgit", "c-sara", held_by="c-sara"),
        Tie("u-birgit-ute", "l-birgit", "c-ute", held_by="c-ute"),
        Tie("u-chris-tom", "l-chris", "c-tom", held_by="c-tom"),
        Tie("u-chris-freund", "l-chris", "n-freund", kind="personal", held_by="l-chris", strength=3),
        Tie("u-chris-peer", "l-chris", "peer-cafe", kind="personal", held_by="l-chris"),
        Tie("u-doris-tom", "l-doris", "c-tom", held_by="c-tom"),
        Tie("u-elif-sara", "l-elif", "c-sara", held_by="c-sara"),
        Tie("u-elif-lotsin", "l-elif", "n-lotsin", kind="personal", held_by="l-elif"),
        Tie("u-sara-sb", "c-sara", "sb-gruenau", kind="personal", strength=2),
        Tie("u-sara-kita", "c-sara", "kita-paunsdorf", kind="personal"),
        Tie("u-tom-sucht", "c-tom", "sucht-ost", strength=2),
        Tie("u-tom-psb", "c-tom", "psb-mitte", kind="personal"),
        Tie("u-ute-drv", "c-ute", "drv-md"),
        Tie("u-ute-ifd", "c-ute", "ifd", since=d(2023, 3, 1)),
        Tie("u-jc-sanus", "jc-leipzig", "sanus", strength=3),
        Tie("u-jc-lipsy", "jc-leipzig", "lipsy", strength=3),
        Tie("u-sanus-aok", "sanus", "aok", strength=2),
        Tie("u-sanus-sprach", "sanus", "sprachschule"),
        Tie("u-jc-sbmitte", "jc-leipzig", "sb-mitte"),
        Tie("u-drv-ifd", "drv-md", "ifd"),
    ]
    records += [Consent("k-ali-sanus", "l-ali", "data_exchange", "sanus", given=d(2024, 2, 1))]
    records += [  # coaching by the provider passes data to it (DOMAIN.md § 6)
        Consent(f"k-{name}-sanus", f"l-{name}", "data_exchange", "sanus", given=d(2024, 2, 1))
        for name in ("birgit", "chris", "doris", "elif")
    ]
    space = SocialSpace("Leipzig (illustrativ)")
    space.extend(records)
    return space


def example_space(name: str = "ploen") -> SocialSpace:
    """One of the two illustrative social spaces: ``"ploen"`` (rural) or ``"leipzig"`` (city).

    The Plön-like space has five PaN participants in small towns and villages, two
    day clinics, bus rides of 20–70 minutes and fares up to 6 €, and a village
    (Selent) without a connection to Preetz. The Leipzig-like space has five
    Sanus LE participants in six districts, all connected within 15–45 minutes at a
    3 € fare, and two debt-counselling services that do not know each other.

    Args:
        name: ``"ploen"`` or ``"leipzig"``.

    Returns:
        A new space (each call builds a fresh one).

    Raises:
        UnknownNameError: another name.

    Examples:
        >>> example_space("ploen")  # doctest: +NORMALIZE_WHITESPACE
        <SocialSpace 'Kreis Plön (illustrativ)': 11 organisations, 11 services, 5 participants,
         3 coaches, 20 ties>
        >>> len(example_space("leipzig").areas)
        6
    """
    if name == "ploen":
        return _ploen()
    if name == "leipzig":
        return _leipzig()
    raise UnknownNameError("example space", name, EXAMPLE_SPACES)
