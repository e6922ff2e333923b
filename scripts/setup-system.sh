#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Gongkai needs, only those missing, so running it again costs nothing.
#   scripts/setup-system.sh          what building the site needs
#   scripts/setup-system.sh --test   plus what the test suite needs
set -euo pipefail

packages=(
  python3-venv          # the project's virtual environment
  libpango-1.0-0        # WeasyPrint lays out the posters with Pango
  libpangoft2-1.0-0
  fonts-noto-cjk        # real Chinese type in the posters, embedded and subset
  fontconfig            # fc-list: a changed font invalidates the poster cache
  libharfbuzz-subset0   # without it WeasyPrint subsets CJK fonts ~30x slower, silently
  rsync                 # deploy to a remote server (over ssh)
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    poppler-utils       # pdffonts, pdftotext, pdftoppm check the posters
    zbar-tools          # zbarimg decodes the posters' QR codes
    chromium            # the kiosk tests drive Debian's Chromium with Playwright (no browser download)
    nginx               # the publishing tests serve the generated configuration with a real nginx
    openssl             # the tests make an htpasswd entry with `openssl passwd`
  )
  command -v java >/dev/null || packages+=(default-jre-headless)  # runs the Nu HTML Checker
  command -v npm >/dev/null || packages+=(npm)                     # installs the Nu HTML Checker
fi
if [[ "$(python3 -c 'import venv, ensurepip' 2>&1)" == "" ]]; then
  packages=("${packages[@]/python3-venv}")  # this Python has venv already (e.g. pyenv)
fi

missing=()
for package in "${packages[@]}"; do
  [[ -z "$package" ]] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "正在安装系统软件包（installing system packages）：${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
