"""Reminders: enqueued in the outbox table by a scan of the calendar (:mod:`enqueue`), sent by a
delivery worker (:mod:`worker`) through SMTP or, in development, a log line (:mod:`delivery`)."""
