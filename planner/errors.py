"""Errors the command line reports as one line with exit code 2."""


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""
