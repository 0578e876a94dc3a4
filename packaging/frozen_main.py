"""Entry point of the packaged binary (PyInstaller runs this; see build.spec).

One executable, `llm-planner`, does both the desktop app and the command line, exactly like
the `llm-planner` script of a source install (ui.entry.main). What only a frozen build needs:

- A file manager, the Windows shell or macOS opens a plan as `llm-planner FILE.llmplan`:
  that goes to the GUI (`gui FILE`), not to the command line.
- Windows builds are windowed (no console window), so standard output is not connected;
  when started from a console, attach to it so the command line and `--self-test` still print.
- Linux machines without any fonts (minimal containers) would draw every glyph as a box:
  then fontconfig is pointed at the DejaVu fonts bundled under `fonts/`. Set
  LLM_PLANNER_BUNDLED_FONTS=1 to force that, =0 to never do it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PLAN_SUFFIX = ".llmplan"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".pcf", ".pcf.gz")
SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/X11R6/lib/X11/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
)


def _bundle_dir() -> Path:
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))


def route_args(args: list[str]) -> list[str]:
    """Arguments for ui.entry.main: a plan file opened from the desktop goes to the GUI."""
    args = [a for a in args if not a.startswith("-psn_")]  # old macOS Finder process id
    if args and args[0].lower().endswith(PLAN_SUFFIX) and not args[0].startswith("-"):
        return ["gui", *args]
    return args


def _attach_windows_console() -> None:
    """A windowed (console=False) Windows exe has no stdout: use the parent's console if any."""
    if sys.platform != "win32" or (sys.stdout is not None and sys.stderr is not None):
        return
    try:
        import ctypes

        attached = ctypes.windll.kernel32.AttachConsole(-1)  # ATTACH_PARENT_PROCESS
    except (AttributeError, OSError):
        attached = False
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is not None:
            continue
        try:
            stream = open("CONOUT$" if attached else os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        except OSError:
            stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        setattr(sys, name, stream)


def _has_system_fonts() -> bool:
    if not Path("/etc/fonts/fonts.conf").is_file():
        return False
    for folder in SYSTEM_FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for _dirpath, _dirs, files in os.walk(root):
            if any(f.lower().endswith(FONT_SUFFIXES) for f in files):
                return True
    return False


def use_bundled_fonts_if_needed() -> bool:
    """On Linux without system fonts, point fontconfig (and Qt) at the bundled fonts."""
    if not sys.platform.startswith("linux") or "FONTCONFIG_FILE" in os.environ:
        return False
    choice = os.environ.get("LLM_PLANNER_BUNDLED_FONTS", "")
    if choice == "0" or (choice != "1" and _has_system_fonts()):
        return False
    fonts = _bundle_dir() / "fonts"
    if not fonts.is_dir():
        return False
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llm-planner"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        conf = cache / "fonts.conf"
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            f"  <dir>{fonts}</dir>\n  <cachedir>{cache / 'fontconfig'}</cachedir>\n"
            "</fontconfig>\n",
            encoding="utf-8",
        )
    except OSError:
        return False
    os.environ["FONTCONFIG_FILE"] = str(conf)
    os.environ.setdefault("QT_QPA_FONTDIR", str(fonts))
    return True


def main() -> int:
    _attach_windows_console()
    use_bundled_fonts_if_needed()
    from ui.entry import main as entry_main

    return entry_main(route_args(sys.argv[1:]))


if __name__ == "__main__":
    raise SystemExit(main())
