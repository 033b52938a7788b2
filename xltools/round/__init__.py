"""The collection round: an office collects every unit's report of one year (roster, private links,
uploads checked at once, review, summary, next year). Policy here; persistence behind a store."""
