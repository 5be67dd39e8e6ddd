"""Reference data seeded on a new database: frameworks (DOMAIN.md § 4), sectors, the IDK project's rounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

IDK_PROJECT_CODE = "S21894"

DIGCOMP: dict[str, Any] = {
    "code": "digcomp-2.2",
    "name": "DigComp 2.2 (EU Digital Competence Framework for Citizens)",
    "kind": "competence",
    "subject": "person",
    "scale_min": 1,
    "scale_max": 8,
    "level_labels": {
        "1": "Foundation 1",
        "2": "Foundation 2",
        "3": "Intermediate 3",
        "4": "Intermediate 4",
        "5": "Advanced 5",
        "6": "Advanced 6",
        "7": "Highly specialised 7",
        "8": "Highly specialised 8",
    },
    "areas": [
        (
            "1",
            "Information and data literacy",
            [
                ("1.1", "Browsing, searching and filtering data, information and digital content"),
                ("1.2", "Evaluating data, information and digital content"),
                ("1.3", "Managing data, information and digital content"),
            ],
        ),
        (
            "2",
            "Communication and collaboration",
            [
                ("2.1", "Interacting through digital technologies"),
                ("2.2", "Sharing through digital technologies"),
                ("2.3", "Engaging in citizenship through digital technologies"),
                ("2.4", "Collaborating through digital technologies"),
                ("2.5", "Netiquette"),
                ("2.6", "Managing digital identity"),
            ],
        ),
        (
            "3",
            "Digital content creation",
            [
                ("3.1", "Developing digital content"),
                ("3.2", "Integrating and re-elaborating digital content"),
                ("3.3", "Copyright and licences"),
                ("3.4", "Programming"),
            ],
        ),
        (
            "4",
            "Safety",
            [
                ("4.1", "Protecting devices"),
                ("4.2", "Protecting personal data and privacy"),
                ("4.3", "Protecting health and well-being"),
                ("4.4", "Protecting the environment"),
            ],
        ),
        (
            "5",
            "Problem solving",
            [
                ("5.1", "Solving technical problems"),
                ("5.2", "Identifying needs and technological responses"),
                ("5.3", "Creatively using digital technologies"),
                ("5.4", "Identifying digital competence gaps"),
            ],
        ),
    ],
}

MUNICIPAL_SELF_ASSESSMENT: dict[str, Any] = {
    "code": "kunta-itsearvio",
    "name": "Kunnan digitaalisuuden itsearviointi (municipal self-assessment, 1-5)",
    "kind": "competence",
    "subject": "person",
    "scale_min": 1,
    "scale_max": 5,
    "level_labels": {
        "1": "Täysin eri mieltä",
        "2": "Jokseenkin eri mieltä",
        "3": "Ei samaa eikä eri mieltä",
        "4": "Jokseenkin samaa mieltä",
        "5": "Täysin samaa mieltä",
    },
    "areas": [
        (
            "P",
            "Henkilökohtainen (personal)",
            [
                ("P1", "Osaan käyttää työni digitaalisia välineitä (I can use my work's digital tools)"),
                ("P2", "Löydän ja arvioin tietoa verkosta (I find and evaluate information online)"),
                ("P3", "Teen yhteistyötä digitaalisesti (I collaborate digitally)"),
                ("P4", "Huolehdin tietoturvasta ja tietosuojasta (I take care of security and privacy)"),
                ("P5", "Kehitän omaa digiosaamistani (I develop my own digital skills)"),
                ("P6", "Ratkaisen tavallisia teknisiä ongelmia (I solve common technical problems)"),
            ],
        ),
        (
            "K",
            "Kuntatasoinen (municipality-wide)",
            [
                ("K1", "Johto tukee digitalisaatiota (management supports digitalisation)"),
                ("K2", "Palveluja kehitetään asiakaslähtöisesti (services are developed customer-first)"),
                ("K3", "Tieto kulkee yksiköiden välillä (information flows between units)"),
                ("K4", "Digitaaliset palvelut ovat helppokäyttöisiä (digital services are easy to use)"),
                ("K5", "Kokeiluihin kannustetaan (experiments are encouraged)"),
                ("K6", "Henkilöstöllä on riittävä tuki (staff have enough support)"),
            ],
        ),
    ],
}

MATURITY: dict[str, Any] = {
    "code": "digital-maturity-5",
    "name": "Organisational digital maturity (5 levels)",
    "kind": "maturity",
    "subject": "org_unit",
    "scale_min": 1,
    "scale_max": 5,
    "level_labels": {
        "1": "Digitally nascent",
        "2": "Emerging",
        "3": "Agile and integrated",
        "4": "Transformed",
        "5": "Innovative: a service and development platform and an accelerator of innovation",
    },
    "description": "Levels after UNDP; dimensions are data and can follow the VTT/Kuntaliitto model (verify).",
    "areas": [
        ("S", "Strategy and leadership", [("S1", "Digital strategy and leadership")]),
        ("C", "Customers and services", [("C1", "Customer-centric digital services")]),
        ("P", "People and culture", [("P1", "Competence and culture of experimenting")]),
        ("D", "Data and technology", [("D1", "Data use and technology platforms")]),
        ("O", "Operations and processes", [("O1", "Digitalised processes")]),
        ("E", "Ecosystem and collaboration", [("E1", "Cooperation across sectors and partners")]),
    ],
}

FRAMEWORKS = [DIGCOMP, MUNICIPAL_SELF_ASSESSMENT, MATURITY]

ROUNDS = [
    ("Baseline 2020", "baseline", dt.date(2020, 3, 1), dt.date(2020, 5, 31)),
    ("Interim 2021", "interim", dt.date(2021, 3, 1), dt.date(2021, 5, 31)),
    ("Final 2022", "final", dt.date(2022, 9, 1), dt.date(2022, 11, 30)),
]

SECTORS_2020 = [
    ("Konsernipalvelut", "Konsernipalvelut (group services)"),
    ("Kasvun ja oppiminen", "Kasvun ja oppimisen palvelualue"),
    ("Hyvinvoinnin edistäminen", "Hyvinvoinnin edistämisen palvelualue"),
    ("Kaupunkiympäristö", "Kaupunkiympäristön palvelualue"),
    ("Sosiaali- ja terveyspalvelut", "Sosiaali- ja terveyspalvelut"),
]
