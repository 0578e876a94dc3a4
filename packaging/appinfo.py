"""Names and metadata of the packaged application, shared by build.spec and the tests.

Loaded by file path (not imported as `packaging.appinfo`: `packaging` is also a PyPI
package that PyInstaller itself uses). Pure Python, no PySide6, no PyInstaller.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

APP_NAME = "LLM Deployment Planner"
EXE_NAME = "llm-planner"
BUNDLE_ID = "org.llm-planner.app"
PUBLISHER = "LLM Deployment Planner contributors"
COPYRIGHT = "Copyright (c) LLM Deployment Planner contributors. Apache-2.0."
PLAN_EXTENSION = "llmplan"
PLAN_MIME = "application/x-llmplan"
PLAN_UTI = "org.llm-planner.llmplan"
PLAN_DESCRIPTION = "LLM deployment plan"


def version() -> str:
    """planner.__version__, read from the source (no import of the package needed)."""
    text = (ROOT / "planner" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise RuntimeError("planner/__init__.py has no __version__")
    return match.group(1)


def version_tuple(v: str) -> tuple[int, int, int, int]:
    """'1.2.3rc1' -> (1, 2, 3, 0): the four numbers Windows version resources hold."""
    nums = [int(n) for n in re.findall(r"\d+", v.split("+")[0])[:3]]
    nums += [0] * (4 - len(nums))
    return (nums[0], nums[1], nums[2], nums[3])


def info_plist(v: str) -> dict[str, Any]:
    """macOS Info.plist entries of the .app: the bundle and the .llmplan document type."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": v,
        "CFBundleVersion": v,
        "NSHumanReadableCopyright": COPYRIGHT,
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "LSMinimumSystemVersion": "11.0",
        "CFBundleDocumentTypes": [
            {
                "CFBundleTypeName": PLAN_DESCRIPTION,
                "CFBundleTypeRole": "Editor",
                "LSHandlerRank": "Owner",
                "LSItemContentTypes": [PLAN_UTI],
                "CFBundleTypeExtensions": [PLAN_EXTENSION],
                "CFBundleTypeIconFile": "llm-planner.icns",
            }
        ],
        "UTExportedTypeDeclarations": [
            {
                "UTTypeIdentifier": PLAN_UTI,
                "UTTypeDescription": PLAN_DESCRIPTION,
                "UTTypeConformsTo": ["public.json", "public.data"],
                "UTTypeIconFile": "llm-planner.icns",
                "UTTypeTagSpecification": {
                    "public.filename-extension": [PLAN_EXTENSION],
                    "public.mime-type": [PLAN_MIME],
                },
            }
        ],
    }


def windows_version_info(v: str) -> str:
    """A PyInstaller version file (VSVersionInfo source) for the Windows executable."""
    t = version_tuple(v)
    fields = {
        "CompanyName": PUBLISHER,
        "FileDescription": APP_NAME,
        "FileVersion": v,
        "InternalName": EXE_NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{EXE_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": v,
    }
    strings = ",\n".join(f"          StringStruct({k!r}, {val!r})" for k, val in fields.items())
    return f"""# Generated from planner.__version__ by build.spec (packaging/appinfo.py).
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={t},
    prodvers={t},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [
{strings}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
