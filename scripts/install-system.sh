#!/usr/bin/env bash
# Install the Debian packages the pipeline needs (and chromium for the browser tests),
# only if a command is missing.
# Quick (no apt at all) when everything is already there.
set -euo pipefail

declare -A PACKAGE_OF=([ffmpeg]=ffmpeg [ffprobe]=ffmpeg [espeak-ng]=espeak-ng [sox]=sox [redis-server]=redis-server [docker-compose]=docker-compose [chromium]=chromium)
missing=()
for cmd in "${!PACKAGE_OF[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$cmd]}")
done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
# PDF protocols embed DejaVu Sans (all Russian and Kazakh letters); protocol/fonts.py looks here.
for font in DejaVuSans.ttf DejaVuSans-Bold.ttf; do
  [ -f "/usr/share/fonts/truetype/dejavu/$font" ] || missing+=(fonts-dejavu-core)
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "installing system packages: $packages"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $packages >/dev/null
