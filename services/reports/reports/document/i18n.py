"""Labels in Finnish (first) and English, and number and date formats of each language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

LANGS = ("fi", "en")
NBSP = "\u00a0"

LABELS: dict[str, dict[str, str]] = {
    "interim_evaluation": {"fi": "Väliarviointi", "en": "Interim evaluation"},
    "monitoring_report": {"fi": "Seurantaraportti", "en": "Monitoring report"},
    "final_report": {"fi": "Loppuraportti", "en": "Final report"},
    "claim_cover": {"fi": "Maksatushakemuksen saate", "en": "Payment claim cover summary"},
    "interim_lead": {
        "fi": "Kaupunginhallitukselle tiedoksi vuoden kuluttua hankkeen käynnistymisestä: hankkeen väliarviointi "
        "vaikuttavuusarviointeineen.",
        "en": "For the city board one year after the project started: the project's interim evaluation with "
        "its impact assessment.",
    },
    "decision": {"fi": "Päätös", "en": "Decision"},
    "decision_text": {
        "fi": "Kuopion kaupunginhallitus Kh § 81/2019 (asianro 7801/02.05.02.01/2019)",
        "en": "Kuopio city board Kh § 81/2019 (case 7801/02.05.02.01/2019)",
    },
    "as_of": {"fi": "Tilanne", "en": "As of"},
    "period": {"fi": "Kausi", "en": "Period"},
    "draft": {"fi": "Luonnos: luvut elävästä datasta", "en": "Draft: figures from live data"},
    "frozen": {"fi": "Versio {n}, jäädytetty {at} ({by})", "en": "Version {n}, frozen {at} ({by})"},
    "contents": {"fi": "Sisällys", "en": "Contents"},
    "page": {"fi": "Sivu", "en": "Page"},
    "summary": {"fi": "Tiivistelmä", "en": "Summary"},
    "finance": {"fi": "Talous", "en": "Finance"},
    "goal1": {"fi": "Tavoite 1: Tilannekuva", "en": "Goal 1: Situational picture"},
    "goal2": {"fi": "Tavoite 2: Uudistumisen tuki", "en": "Goal 2: Renewal support"},
    "goal3": {
        "fi": "Tavoite 3: Monialaiset palvelutuotantokokeilut",
        "en": "Goal 3: Multi-sector service pilots",
    },
    "goal4": {"fi": "Tavoite 4: Vakiinnuttaminen", "en": "Goal 4: Establishment"},
    "impact": {"fi": "Vaikutusten arviointi", "en": "Impact assessment"},
    "sources": {"fi": "Lähteet", "en": "Sources"},
    "claim": {"fi": "Maksatushakemus", "en": "Payment claim"},
    "narrative_missing": {"fi": "(Tekstiä ei ole vielä kirjoitettu.)", "en": "(Not written yet.)"},
    "written_by": {"fi": "Kirjoittanut", "en": "Written by"},
    "overview": {"fi": "Yleiskuva", "en": "Overview"},
    "goal_progress": {"fi": "Tavoitteen eteneminen", "en": "Progress on the goal"},
    "impact_text": {
        "fi": "Vaikuttavuus, työhyvinvointi ja tuottavuus",
        "en": "Impact, well-being at work and productivity",
    },
    "source": {"fi": "Lähde", "en": "Source"},
    "rows": {"fi": "rivit", "en": "rows"},
    "missing": {"fi": "Puuttuvat tiedot", "en": "Missing data"},
    "missing_part": {
        "fi": "{service}: {source} puuttuu ({reason})",
        "en": "{service}: {source} is missing ({reason})",
    },
    "as_of_not_stated": {
        "fi": "{service} ei vahvistanut vastanneensa päivän {as_of} tilanteella ({source}): luvut voivat olla "
        "nykytilanteen mukaisia.",
        "en": "{service} did not confirm answering as of {as_of} ({source}): the figures may be today's.",
    },
    "planned": {"fi": "Suunniteltu", "en": "Planned"},
    "actual": {"fi": "Toteutunut", "en": "Actual"},
    "remaining": {"fi": "Jäljellä", "en": "Remaining"},
    "utilisation": {"fi": "Käyttöaste", "en": "Utilisation"},
    "year": {"fi": "Vuosi", "en": "Year"},
    "category": {"fi": "Kustannuslaji", "en": "Cost category"},
    "funding_source": {"fi": "Rahoituslähde", "en": "Funding source"},
    "share": {"fi": "Osuus", "en": "Share"},
    "cap": {"fi": "Katto", "en": "Cap"},
    "status": {"fi": "Tila", "en": "Status"},
    "implementer": {"fi": "Toteuttaja", "en": "Implementer"},
    "whole_period": {"fi": "koko hanke", "en": "whole project"},
    "chart_budget_year": {"fi": "Budjetin käyttö vuosittain", "en": "Budget used against plan by year"},
    "chart_budget_category": {
        "fi": "Budjetin käyttö kustannuslajeittain",
        "en": "Budget used against plan by category",
    },
    "chart_funding": {"fi": "Rahoitus lähteittäin", "en": "Funding by source"},
    "chart_own_funding": {"fi": "Omarahoitus ja sen katot", "en": "Own funding against its caps"},
    "chart_portfolio": {"fi": "Kokeilut vaiheittain ja päätöksittäin", "en": "Pilots by stage and decision"},
    "chart_indicators": {
        "fi": "Mittareiden eteneminen kohti tavoitetta",
        "en": "Indicator progress to target",
    },
    "chart_competence": {
        "fi": "Osaaminen: lähtötaso ja viimeisin kierros toimialoittain",
        "en": "Competence: baseline and latest round by sector",
    },
    "chart_maturity": {"fi": "Digitaalinen kypsyys toimialoittain", "en": "Digital maturity by sector"},
    "chart_champions": {
        "fi": "Kellokkaat ja valmennustunnit ajan mittaan",
        "en": "Champions and coaching hours over time",
    },
    "stage": {"fi": "Vaihe", "en": "Stage"},
    "pilots": {"fi": "Kokeiluja", "en": "Pilots"},
    "decision_col": {"fi": "Päätös", "en": "Decision"},
    "pilot": {"fi": "Kokeilu", "en": "Pilot"},
    "indicator": {"fi": "Mittari", "en": "Indicator"},
    "baseline": {"fi": "Lähtötaso", "en": "Baseline"},
    "target": {"fi": "Tavoite", "en": "Target"},
    "latest": {"fi": "Viimeisin", "en": "Latest"},
    "measured_on": {"fi": "Mitattu", "en": "Measured"},
    "progress": {"fi": "Eteneminen", "en": "Progress"},
    "light": {"fi": "Liikennevalo", "en": "Traffic light"},
    "sector": {"fi": "Toimiala", "en": "Sector"},
    "framework": {"fi": "Mittaristo", "en": "Framework"},
    "baseline_mean": {"fi": "Lähtötaso (ka.)", "en": "Baseline (mean)"},
    "latest_mean": {"fi": "Viimeisin (ka.)", "en": "Latest (mean)"},
    "change": {"fi": "Muutos", "en": "Change"},
    "round": {"fi": "Kierros", "en": "Round"},
    "mean": {"fi": "Keskiarvo", "en": "Mean"},
    "units": {"fi": "Yksiköitä", "en": "Units"},
    "suppressed": {"fi": "alle 10 vastaajaa, ei näytetä", "en": "under 10 respondents, not shown"},
    "date": {"fi": "Päivä", "en": "Date"},
    "champions": {"fi": "Kellokkaita", "en": "Champions"},
    "coaching_hours": {"fi": "Valmennustunteja", "en": "Coaching hours"},
    "established": {"fi": "vakiinnutettu", "en": "established"},
    "discontinued": {"fi": "lopetettu", "en": "discontinued"},
    "open": {"fi": "kesken", "en": "open"},
    "green": {"fi": "vihreä", "en": "green"},
    "yellow": {"fi": "keltainen", "en": "yellow"},
    "red": {"fi": "punainen", "en": "red"},
    "grey": {"fi": "ei mittausta", "en": "no measurement"},
    "light_rule": {
        "fi": "Liikennevalo: vihreä, kun matkasta lähtötasosta tavoitteeseen on kuljettu vähintään 2/3; keltainen "
        "vähintään 1/3; punainen alle 1/3; harmaa, kun mittausta tai etenemää ei ole.",
        "en": "Traffic light: green when at least 2/3 of the way from baseline to target is covered; yellow at "
        "least 1/3; red less; grey when there is no measurement or progress.",
    },
    "small_group_note": {
        "fi": "Alle 10 vastaajan ryhmien lukuja ei näytetä (palvelu, joka omistaa vastaukset, jättää ne pois).",
        "en": "Figures of groups under 10 respondents are not shown (the service owning the answers leaves them out).",
    },
    "key_figures": {"fi": "Keskeiset luvut", "en": "Key figures"},
    "kf_planned": {"fi": "Hankkeen kokonaisbudjetti", "en": "Total budget"},
    "kf_actual": {"fi": "Toteutuneet tukikelpoiset kustannukset", "en": "Eligible costs incurred"},
    "kf_utilisation": {"fi": "Budjetin käyttöaste", "en": "Budget utilisation"},
    "kf_active": {"fi": "Aktiivisia kokeiluja (3–5)", "en": "Active pilots (3–5)"},
    "kf_champions": {"fi": "Kellokkaita", "en": "Champions"},
    "kf_hours": {"fi": "Valmennustunteja", "en": "Coaching hours"},
    "service": {"fi": "Palvelu", "en": "Service"},
    "endpoint": {"fi": "Rajapinta", "en": "Endpoint"},
    "parameters": {"fi": "Parametrit", "en": "Parameters"},
    "as_of_stated": {"fi": "Vahvistettu päivä", "en": "Date stated"},
    "none": {"fi": "ei", "en": "none"},
    "eligible": {"fi": "Tukikelpoiset kustannukset", "en": "Eligible costs"},
    "claimable": {"fi": "Haettava ESR-tuki", "en": "ESR support claimed"},
    "claim_status": {"fi": "Hakemuksen tila", "en": "Claim status"},
    "entries": {"fi": "Tositteita", "en": "Vouchers"},
    "costs": {"fi": "Kustannukset", "en": "Costs"},
    "flat_rate": {"fi": "Flat rate (17 %)", "en": "Flat rate (17 %)"},
    "income": {"fi": "Tulot", "en": "Income"},
    "amount": {"fi": "Määrä", "en": "Amount"},
    "sample_note": {
        "fi": "Budjetin vuosi- ja kustannuslajirivit ovat esimerkkidataa: päätös antaa vain toteuttajakohtaiset summat.",
        "en": "The budget's year and category lines are sample data: the decision gives only each implementer's total.",
    },
}

STAGES = {
    "idea": ("Idea", "Idea"),
    "planned": ("Suunniteltu", "Planned"),
    "approved": ("Hyväksytty", "Approved"),
    "running": ("Käynnissä", "Running"),
    "evaluated": ("Arvioitu", "Evaluated"),
    "established": ("Vakiinnutettu", "Established"),
    "discontinued": ("Lopetettu", "Discontinued"),
}
CATEGORIES = {
    "staff": ("Henkilöstökustannukset", "Staff"),
    "purchased_services": ("Ostopalvelut", "Purchased services"),
    "travel": ("Matkakustannukset", "Travel"),
    "equipment": ("Kone- ja laitehankinnat", "Equipment"),
    "rents": ("Vuokrat", "Rents"),
    "overheads": ("Toimisto- ja yleiskustannukset", "Overheads"),
    "other": ("Muut kustannukset", "Other"),
    "in_kind": ("Luontoissuoritukset", "In kind"),
    "income": ("Tulot", "Income"),
    "flat_rate": ("Flat rate", "Flat rate"),
}
CAP_STATUS = {
    "within": ("katon sisällä", "within"),
    "at_risk": ("lähellä kattoa", "at risk"),
    "exceeded": ("ylitetty", "exceeded"),
}


class Text:
    """Labels and formats of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "fi"
        self.i = 0 if self.lang == "fi" else 1

    def __call__(self, key: str, **values: Any) -> str:
        label = LABELS[key][self.lang]
        return label.format(**values) if values else label

    def pick(self, table: dict[str, tuple[str, str]], key: Any) -> str:
        pair = table.get(str(key))
        return pair[self.i] if pair else str(key)

    def date(self, value: Any) -> str:
        if value in (None, ""):
            return "–"
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return f"{day.day}.{day.month}.{day.year}" if self.lang == "fi" else day.isoformat()

    def number(self, value: Any, decimals: int = 2) -> str:
        if value in (None, ""):
            return "–"
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        text = f"{d:,.{decimals}f}"
        if self.lang == "fi":
            text = text.replace(",", NBSP).replace(".", ",")
        return text.replace("-", "−")

    def money(self, value: Any) -> str:
        if value in (None, ""):
            return "–"
        return f"{self.number(value)}{NBSP}€" if self.lang == "fi" else f"€{self.number(value)}"

    def percent(self, value: Any, decimals: int = 1) -> str:
        if value in (None, ""):
            return "–"
        return f"{self.number(value, decimals)}{NBSP}%"
