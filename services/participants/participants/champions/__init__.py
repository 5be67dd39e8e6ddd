"""Champions (kellokkaat) and their pilot enrolments: the scoped data layer, enrolment, routes."""
