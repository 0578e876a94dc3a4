#!/usr/bin/env bash
# Build the packaged binary, smoke-test it and archive it. The same commands run locally and
# in .github/workflows/release.yml (Linux, macOS, and Windows under Git Bash).
#
#   packaging/build.sh                 # venv in build/venv, build, smoke test, archive
#   PYTHON=python3.12 packaging/build.sh
#   BUILD_PYTHON=.venv/bin/python packaging/build.sh   # use an environment that already has
#                                                      # the app and pyinstaller (no venv, no pip)
#   LLM_PLANNER_ONEFILE=1 packaging/build.sh           # one self-extracting file instead
#   SKIP_SMOKE=1 / SKIP_ARCHIVE=1                      # leave out those steps
#
# Results: dist/llm-planner/ (one folder), on macOS also "dist/LLM Deployment Planner.app",
# and the archive dist/llm-planner-VERSION-OS-ARCH.tar.gz (.zip on Windows).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

case "$(uname -s)" in
    Linux*) OS=linux ;;
    Darwin*) OS=macos ;;
    MINGW* | MSYS* | CYGWIN*) OS=windows ;;
    *) OS=$(uname -s | tr '[:upper:]' '[:lower:]') ;;
esac
ARCH=$(uname -m)
case "$ARCH" in
    aarch64 | arm64) ARCH=arm64 ;;
    x86_64 | amd64) ARCH=x86_64 ;;
esac

step() { printf '\n== %s\n' "$*"; }

# --- 1. a Python environment with the app and PyInstaller -------------------------------
if [[ -n "${BUILD_PYTHON:-}" ]]; then
    PY=$BUILD_PYTHON
else
    VENV=${VENV:-build/venv}
    if [[ "$OS" == windows ]]; then PY=$VENV/Scripts/python.exe; else PY=$VENV/bin/python; fi
    if [[ ! -x "$PY" ]]; then
        step "creating $VENV"
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    step "installing the app and PyInstaller into $VENV"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet '.[package]'
fi
case "$PY" in
    /* | [A-Za-z]:*) ;;          # absolute
    */*) PY="$ROOT/$PY" ;;       # relative to the repository root
esac
VERSION=$("$PY" -c 'import re,pathlib; print(re.search(r"__version__\s*=\s*\"([^\"]+)\"", pathlib.Path("planner/__init__.py").read_text()).group(1))')
echo "llm-planner $VERSION, $OS-$ARCH, $("$PY" --version)"

# --- 2. build ---------------------------------------------------------------------------
step "pyinstaller build.spec"
"$PY" -m PyInstaller build.spec --noconfirm --distpath dist --workpath build

EXE_SUFFIX=""
[[ "$OS" == windows ]] && EXE_SUFFIX=.exe
APP_BUNDLE="dist/LLM Deployment Planner.app"
if [[ -n "${LLM_PLANNER_ONEFILE:-}" && "${LLM_PLANNER_ONEFILE}" != 0 ]]; then
    ONEFILE=1
    EXE="dist/llm-planner$EXE_SUFFIX"
elif [[ "$OS" == macos ]]; then
    ONEFILE=0
    EXE="$APP_BUNDLE/Contents/MacOS/llm-planner"
else
    ONEFILE=0
    EXE="dist/llm-planner/llm-planner$EXE_SUFFIX"
fi
[[ -x "$EXE" ]] || { echo "build.sh: no executable at $EXE" >&2; exit 1; }

if [[ "$OS" == linux && "$ONEFILE" == 0 ]]; then
    # the desktop integration travels with the folder (llm-planner/install.sh)
    cp packaging/linux/install.sh dist/llm-planner/install.sh
    mkdir -p dist/llm-planner/desktop
    cp packaging/linux/llm-planner.desktop packaging/linux/llm-planner-mime.xml \
        dist/llm-planner/desktop/
fi

# --- 3. smoke test (offscreen, a private home folder) ------------------------------------
if [[ -z "${SKIP_SMOKE:-}" ]]; then
    step "smoke test: $EXE"
    SMOKE_HOME=$(mktemp -d)
    export LLM_PLANNER_HOME=$SMOKE_HOME QT_QPA_PLATFORM=offscreen
    "$EXE" --version
    out=$("$EXE" gui --self-test 2>&1) || { echo "$out"; echo "build.sh: self-test failed" >&2; exit 1; }
    echo "$out"
    # A windowed Windows exe may have no console to print to; there the exit status counts.
    if [[ "$OS" != windows && "$out" != *"self-test: ok"* ]]; then
        echo "build.sh: self-test printed no 'self-test: ok'" >&2
        exit 1
    fi
    "$EXE" estimate --model llama-3.1-8b --gpu rtx-4090 --quant bf16 --format json >/dev/null
    rm -rf "$SMOKE_HOME"
    unset LLM_PLANNER_HOME QT_QPA_PLATFORM
fi

# --- 4. archive ---------------------------------------------------------------------------
if [[ -z "${SKIP_ARCHIVE:-}" ]]; then
    NAME="llm-planner-$VERSION-$OS-$ARCH"
    [[ "$ONEFILE" == 1 ]] && NAME="$NAME-onefile"
    step "archive $NAME"
    if [[ "$ONEFILE" == 1 ]]; then
        what="llm-planner$EXE_SUFFIX"
    elif [[ "$OS" == macos ]]; then
        what="LLM Deployment Planner.app"
    else
        what=llm-planner
    fi
    if [[ "$OS" == windows ]]; then
        ARCHIVE="dist/$NAME.zip"
        rm -f "$ARCHIVE"
        (cd dist && "$PY" -m zipfile -c "$NAME.zip" "$what")
    else
        ARCHIVE="dist/$NAME.tar.gz"
        tar -C dist -czf "$ARCHIVE" "$what"
    fi
    if [[ "$ONEFILE" == 1 ]]; then
        size=$(du -sk "dist/$what" | cut -f1)
    else
        size=$(du -sk "dist/llm-planner" | cut -f1)
    fi
    echo "built: dist/$what ($((size / 1024)) MiB), archive $ARCHIVE ($(($(wc -c <"$ARCHIVE") / 1048576)) MiB)"
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
        echo "archive=$ARCHIVE" >>"$GITHUB_OUTPUT"
        echo "version=$VERSION" >>"$GITHUB_OUTPUT"
    fi
fi
