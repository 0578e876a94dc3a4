#!/usr/bin/env bash
# Install the packaged LLM Deployment Planner for one user (no root needed), with its menu
# entry, icon and the .llmplan file type.
#
#   ./install.sh                      # into ~/.local (the folder this script came in)
#   ./install.sh --prefix /opt/llm    # elsewhere (use sudo for system folders)
#   ./install.sh --uninstall [--prefix DIR]
#   packaging/linux/install.sh [--prefix DIR] [BUILD_DIR]   # from a source checkout after
#                                                           # packaging/build.sh (dist/llm-planner)
#
# Puts the program in PREFIX/lib/llm-planner, links PREFIX/bin/llm-planner to it, and adds
# PREFIX/share/applications/llm-planner.desktop, the icon under PREFIX/share/icons/hicolor
# and PREFIX/share/mime/packages/llm-planner.xml; then refreshes the desktop, MIME and icon
# caches where those tools exist.
set -euo pipefail

PREFIX="$HOME/.local"
UNINSTALL=0
BUNDLE=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) BUNDLE=$1; shift ;;
    esac
done

HERE=$(cd "$(dirname "$0")" && pwd)
if [[ -z "$BUNDLE" && -x "$HERE/llm-planner" && -d "$HERE/_internal" ]]; then
    BUNDLE=$HERE                 # the script inside an unpacked release archive
    FILES=$HERE/desktop
else
    REPO=$(cd "$HERE/../.." && pwd)
    BUNDLE=${BUNDLE:-$REPO/dist/llm-planner}
    FILES=$HERE
fi

APP_DIR=$PREFIX/lib/llm-planner
BIN=$PREFIX/bin/llm-planner
APPS=$PREFIX/share/applications
ICONS=$PREFIX/share/icons/hicolor
MIME=$PREFIX/share/mime

refresh() {
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$MIME" >/dev/null 2>&1 || true
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database "$APPS" >/dev/null 2>&1 || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$ICONS" >/dev/null 2>&1 || true
    fi
}

if [[ "$UNINSTALL" == 1 ]]; then
    rm -rf "$APP_DIR"
    rm -f "$BIN" "$APPS/llm-planner.desktop" "$MIME/packages/llm-planner.xml" \
        "$ICONS/256x256/apps/llm-planner.png" "$ICONS/scalable/apps/llm-planner.svg"
    refresh
    echo "Removed LLM Deployment Planner from $PREFIX (your plans and settings are kept)."
    exit 0
fi

if [[ ! -x "$BUNDLE/llm-planner" || ! -d "$BUNDLE/_internal" ]]; then
    echo "install.sh: no one-folder build at $BUNDLE (run packaging/build.sh first)" >&2
    exit 1
fi
ICON_DIR=$BUNDLE/_internal/resources/icons

# the program: a fresh copy (an old version's files would otherwise linger)
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
if [[ "$BUNDLE" != "$APP_DIR" ]]; then
    rm -rf "$APP_DIR.new"
    cp -a "$BUNDLE" "$APP_DIR.new"
    rm -rf "$APP_DIR"
    mv "$APP_DIR.new" "$APP_DIR"
fi
ln -sfn "$APP_DIR/llm-planner" "$BIN"

# menu entry (absolute Exec, so it works even when PREFIX/bin is not on the session PATH)
mkdir -p "$APPS"
sed -e "s#^Exec=llm-planner#Exec=$BIN#" -e "s#^TryExec=llm-planner#TryExec=$BIN#" \
    "$FILES/llm-planner.desktop" >"$APPS/llm-planner.desktop"
chmod 644 "$APPS/llm-planner.desktop"

# icon and file type
install -Dm644 "$ICON_DIR/llm-planner.png" "$ICONS/256x256/apps/llm-planner.png"
install -Dm644 "$ICON_DIR/llm-planner.svg" "$ICONS/scalable/apps/llm-planner.svg"
install -Dm644 "$FILES/llm-planner-mime.xml" "$MIME/packages/llm-planner.xml"
refresh

echo "Installed LLM Deployment Planner to $APP_DIR"
echo "  command:    $BIN"
echo "  menu entry: $APPS/llm-planner.desktop (.llmplan files open with it)"
case ":$PATH:" in
    *":$PREFIX/bin:"*) ;;
    *) echo "  note: $PREFIX/bin is not on your PATH; add it to run 'llm-planner' from a terminal" ;;
esac
