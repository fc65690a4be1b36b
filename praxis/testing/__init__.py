"""Shared test scaffolding (issue 6 point 12): one `PASSWORD`, one `join()`, one `team` fixture, the
SPEC §3 matrix as data (`praxis.testing.spec`), browser and database helpers.

`PASSWORD` lives here, import-free, so test modules and plugins can use it before Django is set up;
`join()` and the team fixtures are in `praxis.testing.team` (a pytest plugin of praxis/conftest.py).
"""

PASSWORD = "correct horse battery staple"
