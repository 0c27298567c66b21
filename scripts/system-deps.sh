#!/usr/bin/env bash
# Optional Debian packages: Noto CJK (Chinese captions) and Chromium + its WebDriver (the review-page
# browser test, which skips with the reason when they are missing). Skipped quietly when not root or not apt.
set -u
need=()
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] || need+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: optional packages not installed (${need[*]}): run as root on Debian/Ubuntu to add them" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
(apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}") >/dev/null 2>&1 \
  || echo "note: could not install ${need[*]}; continuing without" >&2
exit 0
