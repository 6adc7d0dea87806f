#!/bin/bash
# Real Inkscape under a virtual display: open a document, run actions, take a screenshot of
# what a user would see (the extension's boxes included). Needs Xvfb and Debian's inkscape;
# a daemon already running (inkscribe daemon --detach) keeps the first apply short.
#
#   bash docs/probes/inkscape_screenshot.sh DOC.svg "select-by-id:t1;org.inkscribe.handwriting.noprefs" out.png [seconds]
set -eu
doc=$1 actions=$2 out=$3 wait=${4:-40}
profile=$(mktemp -d)
export INKSCAPE_PROFILE_DIR=$profile
.venv/bin/inkscribe install-extension >/dev/null
Xvfb :77 -screen 0 1280x900x24 >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=:77 timeout $((wait + 60)) inkscape --with-gui "$doc" --actions="$actions" >/dev/null 2>&1 &
inkscape=$!
sleep "$wait"
.venv/bin/python -c "from PIL import ImageGrab; ImageGrab.grab(xdisplay=':77').save('$out')"
kill $inkscape $xvfb 2>/dev/null || true
rm -rf "$profile"
