"""HR export imports (people and org units) for the endpoint and the CLI."""

from participants.hr_import.org_units import ORG_UNIT_COLUMNS, import_hr_org_units
from participants.hr_import.people import ImportReport, import_hr_people
from participants.hr_import.people_rows import PEOPLE_COLUMNS
from participants.hr_import.reading import Columns, ImportRejected, Progress

__all__ = [
    "ORG_UNIT_COLUMNS",
    "PEOPLE_COLUMNS",
    "Columns",
    "ImportRejected",
    "ImportReport",
    "Progress",
    "import_hr_org_units",
    "import_hr_people",
]
