"""Budget versions (applied, decided, amended) and their governance: the rules that make a change
substantial, the decisions of the city board or the funder, and the version in force over time."""
