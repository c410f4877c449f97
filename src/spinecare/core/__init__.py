"""The clinical core: pure, framework-free, clock-free.

Nothing here imports Django, a FHIR library, pydantic or YAML, and nothing reads the clock:
dates come in as parameters (``as_of``). import-linter enforces this in ``make test``.
"""
