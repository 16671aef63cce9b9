"""Exit codes shared by every verb. They are part of the CLI's contract."""

EXIT_OK = 0
EXIT_GATE_FAILED = 1  # run completed, a vendor is 不適合 and --fail-on-gate was given
EXIT_CONFIG = 2  # bad input: config files, arguments, missing data
EXIT_INCOMPLETE = 3  # run finished but some requests ended in errors
EXIT_VERIFY_FAILED = 4  # verify/compare: a bundle was tampered with, or re-scoring differs from what it records
EXIT_INTERRUPTED = 130  # Ctrl-C; everything already received is in the store
EXIT_CRASH = 70  # a bug in evalkit (EX_SOFTWARE)


class UsageError(Exception):
    """A user-facing problem that is not tied to a config file position."""
