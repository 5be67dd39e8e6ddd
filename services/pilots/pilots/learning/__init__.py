"""The learning loop: reflection questions per gate (data), a pilot's answers, what was learned."""
