"""Follow-up: schedule, response against the minimal important change, plan adjustment (issue 6)."""
