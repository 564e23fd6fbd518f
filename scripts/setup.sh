#!/usr/bin/env bash
# Installs everything apkgen needs on a bare Debian machine: the Android toolchain and a JDK,
# Chromium for the browser tests, a virtualenv with the Python packages, and axe-core (npm).
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  default-jdk-headless   # keytool, and the JVM that runs apktool and apksigner
  apktool                # assembles the launcher activity from smali, once
  aapt                   # packages each event's manifest, resources and assets
  zipalign
  apksigner
  android-framework-res  # framework-res.apk: the android: resources aapt links against
  chromium               # headless browser for the web page and web app tests
  fonts-dejavu-core
  make
  shellcheck             # lints infra/*.sh (tests/functional/infra)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages"
  # chalice (which packages the Lambda functions with pip) supports pip < 26.3.
  .venv/bin/python -m pip install -q "pip>=23,<26.3"
  .venv/bin/python -m pip install -q -r requirements.txt
  .venv/bin/python -m pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi
# axe-core (npm) checks the attendee app's accessibility in the browser tests; into
# node_modules/ (git-ignored), pinned.
AXE_VERSION=4.14.1
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Node.js and npm (Debian)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! grep -qs "\"version\": \"$AXE_VERSION\"" node_modules/axe-core/package.json; then
  echo "setup: installing axe-core $AXE_VERSION"
  npm install --silent --no-save --no-package-lock --no-audit --no-fund "axe-core@$AXE_VERSION"
fi
echo "setup: ready"
