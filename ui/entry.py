"""The `llm-planner` command: no arguments or `gui` open the desktop app; everything else is
the command line (planner.cli), which loads no Qt."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "gui" or args[0].lower().endswith(".llmplan"):
        # A plan file alone (a double-click in the file manager) opens the app on it.
        from ui.app import main as gui_main

        return gui_main(args[1:] if args[0] == "gui" else args)
    from planner.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
