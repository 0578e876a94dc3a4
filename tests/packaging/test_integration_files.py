"""The desktop-integration files of the packaged app are well formed (no build needed):
Linux .desktop entry and MIME type, macOS Info.plist (from packaging/appinfo.py, as build.spec
uses it), the Windows installer script, the icons, the release workflow and the scripts."""

from __future__ import annotations

import configparser
import importlib.util
import plistlib
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load(name: str, path: Path) -> ModuleType:
    """A module by file path (`packaging` is also the name of a PyPI package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def appinfo() -> ModuleType:
    return load("llm_planner_appinfo", PACKAGING / "appinfo.py")


def test_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(PACKAGING / "linux" / "llm-planner.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "LLM Deployment Planner"
    assert entry["Exec"] == "llm-planner %f"
    assert entry["Icon"] == "llm-planner"
    assert entry["Terminal"] == "false"
    assert {"Office", "Development"} <= set(entry["Categories"].strip(";").split(";"))
    assert "application/x-llmplan" in entry["MimeType"].strip(";").split(";")
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";"), f"{key} is a list: it must end with ';'"


def test_mime_type_declares_the_glob() -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PACKAGING / "linux" / "llm-planner-mime.xml").getroot()
    types = root.findall("m:mime-type", ns)
    assert [t.get("type") for t in types] == ["application/x-llmplan"]
    globs = [g.get("pattern") for g in types[0].findall("m:glob", ns)]
    assert globs == ["*.llmplan"]
    assert types[0].find("m:comment", ns) is not None


def test_info_plist_declares_the_document_type(appinfo: ModuleType) -> None:
    version = appinfo.version()
    import planner

    assert version == planner.__version__
    plist = plistlib.loads(plistlib.dumps(appinfo.info_plist(version)))
    assert plist["CFBundleIdentifier"] == "org.llm-planner.app"
    assert plist["CFBundleShortVersionString"] == version
    (doc,) = plist["CFBundleDocumentTypes"]
    assert doc["CFBundleTypeExtensions"] == ["llmplan"]
    assert doc["LSItemContentTypes"] == [appinfo.PLAN_UTI]
    (uti,) = plist["UTExportedTypeDeclarations"]
    assert uti["UTTypeIdentifier"] == appinfo.PLAN_UTI
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == ["llmplan"]
    assert uti["UTTypeTagSpecification"]["public.mime-type"] == ["application/x-llmplan"]


def test_build_spec_uses_the_shared_metadata() -> None:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    compile(spec, "build.spec", "exec")  # valid Python
    assert "info_plist=appinfo.info_plist(VERSION)" in spec
    assert "bundle_identifier=appinfo.BUNDLE_ID" in spec
    assert re.search(r"\(str\(ROOT / \"resources\"\), \"resources\"\)", spec)
    assert "PySide6.QtOpenGL" in spec and "PySide6.QtOpenGLWidgets" in spec
    code = "\n".join(line.split("#")[0] for line in spec.splitlines())  # without comments
    assert not re.search(r"\bstrip\s*=\s*True", code)
    assert not re.search(r"\bupx\s*=\s*True", code)
    assert "LLM_PLANNER_ONEFILE" in spec


def test_windows_version_info(appinfo: ModuleType) -> None:
    text = appinfo.windows_version_info("1.2.3")
    assert "filevers=(1, 2, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.2.3')" in text
    assert "StringStruct('OriginalFilename', 'llm-planner.exe')" in text
    assert appinfo.version_tuple("2.0rc1") == (2, 0, 1, 0)
    assert appinfo.version_tuple("0.1.0+local") == (0, 1, 0, 0)


def test_inno_setup_script() -> None:
    iss = (PACKAGING / "windows" / "llm-planner.iss").read_text(encoding="utf-8")
    sections = set(re.findall(r"^\[(\w+)\]", iss, re.MULTILINE))
    assert {"Setup", "Files", "Icons", "Registry", "Run"} <= sections
    assert "llm-planner.exe" in iss
    assert r'Subkey: "Software\Classes\.llmplan"' in iss
    assert '""%1""' in iss  # the opened file is passed to the exe
    assert "{uninstallexe}" in iss  # uninstaller in the Start menu
    assert "{group}" in iss  # Start menu shortcut
    assert "ChangesAssociations=yes" in iss
    assert (PACKAGING / "llm-planner.ico").is_file()


def test_icon_svg_renders_and_png_is_256(qapp: object) -> None:
    from PySide6.QtGui import QImage
    from PySide6.QtSvg import QSvgRenderer

    assert QSvgRenderer(str(ICONS / "llm-planner.svg")).isValid()
    image = QImage(str(ICONS / "llm-planner.png"))
    assert not image.isNull()
    assert (image.width(), image.height()) == (256, 256)
    assert image.hasAlphaChannel()


def test_ico_and_icns_containers() -> None:
    ico = (PACKAGING / "llm-planner.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", ico, 6 + 16 * i
        )
        sizes.add(w or 256)
        assert ico[offset : offset + 8] == PNG_MAGIC
        assert offset + length <= len(ico)
    assert {16, 32, 48, 256} <= sizes

    icns = (PACKAGING / "llm-planner.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    pos, kinds = 8, []
    while pos < len(icns):
        kind_b, length = icns[pos : pos + 4], struct.unpack_from(">I", icns, pos + 4)[0]
        assert icns[pos + 8 : pos + 16] == PNG_MAGIC
        kinds.append(kind_b)
        pos += length
    assert pos == len(icns)
    assert {b"ic08", b"ic09", b"ic10"} <= set(kinds)


def test_release_workflow() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["tags"] == ["v*"]
    build = flow["jobs"]["build"]
    oses = {row["os"] for row in build["strategy"]["matrix"]["include"]}
    assert oses == {"ubuntu-latest", "windows-latest", "macos-14", "macos-13"}
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "packaging/build.sh" in runs
    assert "llm-planner.iss" in runs
    assert flow["jobs"]["release"]["needs"] == "build"


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not available")
@pytest.mark.parametrize("script", ["build.sh", "linux/install.sh"])
def test_shell_scripts_parse(script: str) -> None:
    done = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_frozen_entry_routes_plan_files_to_the_gui() -> None:
    entry = load("llm_planner_frozen_main", PACKAGING / "frozen_main.py")
    assert entry.route_args(["/home/a/plan.llmplan"]) == ["gui", "/home/a/plan.llmplan"]
    assert entry.route_args(["C:\\Plans\\X.LLMPLAN"]) == ["gui", "C:\\Plans\\X.LLMPLAN"]
    assert entry.route_args(["-psn_0_12345"]) == []
    assert entry.route_args([]) == []
    assert entry.route_args(["gui", "--self-test"]) == ["gui", "--self-test"]
    cli = ["estimate", "--model", "llama-3.1-8b", "--format", "json"]
    assert entry.route_args(cli) == cli
