"""Seed data of the pilots service: default reflection questions and the IDK sample pilots.

The reflection questions are adapted from experiment practice (what did we assume, what happened,
what surprised us, what does the evidence say, who was involved, what would we do differently).

The five IDK pilots below are SAMPLE DATA: the board decision names the pilot programme (3-5 broad,
multi-sector pilots involving customers), not the pilots themselves. Their histories are dated so
that the interim evaluation differs between 2021-01-01 (two pilots running, the minimum not yet met)
and 2021-12-31 (four pilots counted, one decided to scale up, one adjusted, one discontinued).
Pilot ids are stable (uuid5) so other services' seeds can refer to them.
"""

from __future__ import annotations

import uuid
from typing import Any

SAMPLE_NOTE = "Sample data (IDK seed): an illustrative pilot, not one named in the board decision."

# (code, gate, text_fi, text_en, private, required, sort_order)
QUESTIONS: list[tuple[str, str, str, str, bool, bool, int]] = [
    (
        "planned.need",
        "planned",
        "Kenen tarpeeseen kokeilu vastaa?",
        "Whose need does the pilot answer?",
        False,
        False,
        1,
    ),
    ("approved.assume", "approved", "Mitä oletamme?", "What do we assume?", False, False, 1),
    ("approved.involved", "approved", "Keitä on mukana?", "Who is involved?", True, False, 2),
    (
        "running.first_weeks",
        "running",
        "Mitä ensimmäiset viikot ovat opettaneet?",
        "What have the first weeks taught us?",
        False,
        False,
        1,
    ),
    ("evaluated.assumed", "evaluated", "Mitä oletimme?", "What did we assume?", False, True, 1),
    ("evaluated.happened", "evaluated", "Mitä tapahtui?", "What happened?", False, True, 2),
    ("evaluated.surprised", "evaluated", "Mikä yllätti meidät?", "What surprised us?", True, True, 3),
    ("evaluated.evidence", "evaluated", "Mitä näyttö kertoo?", "What does the evidence say?", False, True, 4),
    ("evaluated.involved", "evaluated", "Keitä oli mukana?", "Who was involved?", True, True, 5),
    (
        "evaluated.differently",
        "evaluated",
        "Mitä tekisimme toisin?",
        "What would we do differently?",
        True,
        True,
        6,
    ),
    (
        "established.keep",
        "established",
        "Mitä opimme, minkä haluamme säilyttää?",
        "What did we learn that we want to keep?",
        False,
        False,
        1,
    ),
]

PROJECT = "S21894"


def pilot_id(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://hanke.kuopio.example/seed/{PROJECT}/pilot/{n}"))


def _canvas(action: str, group: str, size: int, outcome: str, percent: int, time: str) -> dict[str, Any]:
    return {
        "hypothesis_action": action,
        "hypothesis_group": group,
        "hypothesis_group_size": size,
        "hypothesis_outcome": outcome,
        "hypothesis_outcome_percent": percent,
        "hypothesis_time_frame": time,
    }


# Stage history: (effective day, to stage, kind, reason, decision) where decision is
# (gate, outcome, reference, body) and evaluation decisions carry reasoning in the reason.
PILOTS: list[dict[str, Any]] = [
    {
        "n": 1,
        "title": "Yhteinen digitaalinen asiointipiste",
        "owner_id": "sample-owner-1",
        "sectors": ["kasvu-ja-oppiminen", "hyvinvoinnin-edistaminen"],
        "need": "Perheet odottavat vastausta palvelupyyntöihinsä viikkoja, koska pyyntö kiertää kahden palvelualueen välillä.",
        "customer_groups": ["lapsiperheet"],
        "customer_involvement_method": "yhteiskehittämistyöpajat ja pilottiryhmä",
        "customers_involved": 40,
        "start_date": "2020-08-17",
        "end_date": "2021-09-30",
        "riskiest_assumption": "Kahden palvelualueen henkilöstö jakaa yhden jonon.",
        "canvas": _canvas(
            "yhteinen digitaalinen asiointipiste",
            "lapsiperheistä",
            40,
            "nopeammat vastaukset",
            30,
            "kuudessa kuukaudessa",
        ),
        "what_happened": "Vastausaika lyheni 14 päivästä 7,5 päivään; jono jaettiin viikoittain.",
        "conclusion": "Yhteinen jono toimii, kun vastuuhenkilö vaihtuu viikoittain.",
        "next_step": "Vakiinnutetaan asiointiohjeeseen.",
        "success_rating": 8,
        "history": [
            ("2020-02-03", "idea", "created", None, None),
            ("2020-03-16", "planned", "forward", None, None),
            (
                "2020-05-20",
                "approved",
                "forward",
                None,
                ("approval", "approved", "Ohjausryhmä 2/2020, § 4", "steering_group"),
            ),
            ("2020-08-17", "running", "forward", None, None),
            ("2021-09-30", "evaluated", "forward", None, None),
            (
                "2021-11-10",
                "evaluated",
                "decision",
                "Vastausaika puolittui; henkilöstö haluaa jatkaa.",
                ("evaluation", "scale_up", "Ohjausryhmä 4/2021, § 3", "steering_group"),
            ),
            (
                "2022-04-04",
                "established",
                "forward",
                None,
                (
                    "establishment",
                    "established",
                    "Kasvun ja oppimisen lautakunta § 23/2022",
                    "steering_group",
                ),
            ),
        ],
        "establishment": {
            "practice": "Yhteinen asiointijono kahden palvelualueen välillä",
            "anchor_kind": "guideline",
            "anchor_name": "Kuopion kaupungin asiointiohje",
            "decision_date": "2022-03-01",
            "decision_reference": "Kasvun ja oppimisen lautakunta § 23/2022",
            "status": "decided",
        },
        "indicator": ("productivity", "Vastausaika palvelupyyntöön", "päivää", "lower", "14", "7", False),
        "measurements": [
            ("2020-10-01", "13", None),
            ("2020-12-15", "11", None),
            ("2021-03-15", "9", None),
            ("2021-06-15", "8", None),
            ("2021-09-15", "7.5", None),
            ("2022-03-15", "6.8", None),
        ],
        "posts": [
            ("2020-09-07", "Ensimmäinen yhteiskehittämistyöpaja pidetty."),
            ("2021-06-21", "Jonon jako viikoittain käyttöön."),
        ],
    },
    {
        "n": 2,
        "title": "Kellokkaiden etävalmennus",
        "owner_id": "sample-owner-2",
        "sectors": ["konsernipalvelut", "sosiaali-ja-terveyspalvelut"],
        "need": "Vuorotyössä olevat kellokkaat eivät ehdi lähivalmennuksiin.",
        "customer_groups": ["kotihoidon asiakkaat"],
        "customer_involvement_method": "asiakasraati arvioi etäkäyntien sujuvuutta",
        "customers_involved": 25,
        "start_date": "2020-09-01",
        "end_date": "2022-06-30",
        "riskiest_assumption": "Etävalmennus sopii vuorotyön rytmiin.",
        "canvas": _canvas(
            "lyhyet etävalmennukset vuorojen välissä", "kellokkaista", 30, "parempi työn imu", 10, "vuodessa"
        ),
        "what_happened": "Osallistuminen kasvoi, työn imu nousi hitaasti.",
        "conclusion": "Valmennusten rytmiä pitää muuttaa.",
        "next_step": "Jatketaan muutetulla rytmillä.",
        "success_rating": 6,
        "history": [
            ("2020-02-20", "idea", "created", None, None),
            ("2020-04-01", "planned", "forward", None, None),
            (
                "2020-06-10",
                "approved",
                "forward",
                None,
                ("approval", "approved", "Ohjausryhmä 3/2020, § 5", "steering_group"),
            ),
            ("2020-09-01", "running", "forward", None, None),
            ("2021-05-31", "evaluated", "forward", None, None),
            (
                "2021-06-15",
                "running",
                "decision",
                "Rytmi ei sovi vuorotyöhön; jatketaan kahden viikon jaksoissa.",
                ("evaluation", "adjust_and_continue", "Ohjausryhmä 2/2021, § 6", "steering_group"),
            ),
        ],
        "indicator": ("well_being_at_work", "Työn imu (UWES-3)", "1-7", "higher", "4.2", "5", True),
        "measurements": [
            ("2020-11-30", "4.4", 24),
            ("2021-04-30", "4.5", 22),
            ("2021-11-30", "4.8", 8),
            ("2022-05-31", "4.9", 21),
        ],
        "posts": [("2020-10-05", "Ensimmäiset etävalmennukset pidetty.")],
    },
    {
        "n": 3,
        "title": "Ikäihmisten digituki",
        "owner_id": "sample-owner-3",
        "sectors": ["hyvinvoinnin-edistaminen", "sosiaali-ja-terveyspalvelut", "kaupunkiymparisto"],
        "need": "Moni ikäihminen ei pysty hoitamaan asioitaan sähköisesti.",
        "customer_groups": ["yli 70-vuotiaat"],
        "customer_involvement_method": "digitukipisteet kirjastoissa ja vertaistukijat",
        "customers_involved": 120,
        "start_date": "2021-03-15",
        "end_date": "2022-02-28",
        "riskiest_assumption": "Ikäihmiset tulevat tukipisteisiin.",
        "canvas": _canvas(
            "digitukipisteet kirjastoissa", "yli 70-vuotiaista", 100, "asioi sähköisesti", 60, "vuodessa"
        ),
        "what_happened": "Osuus nousi 35 %:sta 52 %:iin.",
        "conclusion": "Vaikutus on selvä, mutta rahoitus jatkolle puuttuu.",
        "next_step": "Odotetaan hyvinvointialueen ratkaisua.",
        "success_rating": 7,
        "history": [
            ("2020-06-01", "idea", "created", None, None),
            ("2020-11-02", "planned", "forward", None, None),
            (
                "2021-02-17",
                "approved",
                "forward",
                None,
                ("approval", "approved", "Ohjausryhmä 1/2021, § 4", "steering_group"),
            ),
            ("2021-03-15", "running", "forward", None, None),
            ("2022-02-28", "evaluated", "forward", None, None),
            (
                "2022-03-30",
                "evaluated",
                "decision",
                "Jatko riippuu hyvinvointialueesta; asia pysäytetään toistaiseksi.",
                ("evaluation", "park", "Ohjausryhmä 1/2022, § 5", "steering_group"),
            ),
        ],
        "indicator": ("impact", "Sähköisesti asioivien osuus", "%", "higher", "35", "60", False),
        "measurements": [("2021-06-30", "41", None), ("2021-12-15", "48", None), ("2022-02-15", "52", None)],
        "posts": [("2021-04-12", "Kolme tukipistettä auki.")],
    },
    {
        "n": 4,
        "title": "Asiakaspalvelun chatbot",
        "owner_id": "sample-owner-1",
        "sectors": ["konsernipalvelut"],
        "need": "Samat kysymykset toistuvat puhelinpalvelussa.",
        "customer_groups": [],
        "customer_involvement_method": None,
        "customers_involved": None,
        "start_date": None,
        "end_date": None,
        "riskiest_assumption": None,
        "canvas": {},
        "what_happened": None,
        "conclusion": None,
        "next_step": None,
        "success_rating": None,
        "history": [
            ("2020-08-24", "idea", "created", None, None),
            ("2020-12-01", "planned", "forward", None, None),
            (
                "2021-03-08",
                "discontinued",
                "discontinue",
                "Toinen palvelualue ei lähtenyt mukaan; tarve katetaan asiointipisteellä.",
                None,
            ),
        ],
        "indicator": None,
        "measurements": [],
        "posts": [],
    },
    {
        "n": 5,
        "title": "Nuorten työllisyyspolku",
        "owner_id": "sample-owner-4",
        "sectors": ["kasvu-ja-oppiminen", "konsernipalvelut"],
        "need": "Nuoret putoavat palveluiden väliin toisen asteen jälkeen.",
        "customer_groups": ["18-24-vuotiaat työttömät"],
        "customer_involvement_method": "nuorten raati ja palvelupolun testaus",
        "customers_involved": 60,
        "start_date": "2021-10-01",
        "end_date": "2022-09-30",
        "riskiest_assumption": "Nuoret sitoutuvat yhteen nimettyyn ohjaajaan.",
        "canvas": _canvas(
            "nimetty ohjaaja kahden palvelun välillä",
            "nuorista",
            60,
            "parempi asiakaskokemus",
            30,
            "vuodessa",
        ),
        "what_happened": None,
        "conclusion": None,
        "next_step": None,
        "success_rating": None,
        "history": [
            ("2021-03-01", "idea", "created", None, None),
            ("2021-05-03", "planned", "forward", None, None),
            (
                "2021-08-25",
                "approved",
                "forward",
                None,
                ("approval", "approved", "Ohjausryhmä 3/2021, § 4", "steering_group"),
            ),
            ("2021-10-01", "running", "forward", None, None),
        ],
        "indicator": ("customer_experience", "Suositteluhalukkuus (NPS)", "NPS", "higher", "10", "40", False),
        "measurements": [("2021-12-01", "18", None), ("2022-06-01", "31", None)],
        "posts": [("2021-10-11", "Ensimmäiset nuoret ohjattu polulle.")],
    },
]

EVALUATION_ANSWERS = {
    "evaluated.assumed": "Oletimme, että yhteinen toimintatapa nopeuttaa palvelua.",
    "evaluated.happened": "Toimintatapa otettiin käyttöön; mittari muuttui odotettuun suuntaan.",
    "evaluated.surprised": "Henkilöstön into oli suurempi kuin odotimme.",
    "evaluated.evidence": "Mittaukset tukevat hypoteesia osittain.",
    "evaluated.involved": "Kokeilutiimi, kellokkaat ja asiakasraati.",
    "evaluated.differently": "Aloittaisimme mittaamisen heti.",
}
