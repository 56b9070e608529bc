"""Time limits of the browser tests (a module of its own: test files import it by name, and
`conftest` is a name several test directories use)."""

LOAD_TIMEOUT_MS = 90_000  # page open -> Pyodide loaded and the default program finished
