#!/usr/bin/env bash
# System packages the server and its tests use, installed with apt-get when missing
# (root only; otherwise it says what is missing and carries on):
#   fonts-wqy-zenhei   the CJK TrueType font embedded into 考核结果通知书 PDFs
#   poppler-utils      pdftoppm, used by the tests to render certificates to PNG
#   libgl1 libglib2.0-0  libGL.so.1 and libglib for mediapipe's opencv (face checks)
#   chromium           only with DKT_WANT_CHROMIUM=1 (scripts/test): the console's browser tests
set -uo pipefail
want=()
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || want+=(fonts-wqy-zenhei)
command -v pdftoppm >/dev/null 2>&1 || want+=(poppler-utils)
for pkg in libgl1 libglib2.0-0; do dpkg -s "$pkg" >/dev/null 2>&1 || want+=("$pkg"); done
if [ "${DKT_WANT_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then want+=(chromium); fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${want[*]} (install them with apt-get as root); carrying on without" >&2
  exit 0
fi
echo "system-deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || true
apt-get install -y -qq --no-install-recommends "${want[@]}" >&2
