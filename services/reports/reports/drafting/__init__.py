"""Drafting a report from live data: which upstream calls a report needs (:mod:`collect`) and the
snapshot they make with the narrative (:mod:`snapshot`)."""
