"""The reporting calendar: rules as data (:mod:`rules`), statuses for a day (:mod:`status`), the
database operations (:mod:`service`) and the iCalendar feed (:mod:`ics`)."""
