"""The `runwatch` command line and the demo.

May import: everything below it.
"""

from runwatch.cli._main import main

__all__ = ["main"]
