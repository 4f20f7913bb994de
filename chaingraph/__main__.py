"""``python -m chaingraph``: the ``chaingraph`` command (see :mod:`chaingraph.cli`)."""

from chaingraph.cli import console

if __name__ == "__main__":  # pragma: no cover - run as a program
    console()
