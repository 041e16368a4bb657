#!/usr/bin/env bash
# Installs what EduDX needs into .venv: the pinned Python packages, then every service in editable mode.
# Usage: scripts/bootstrap.sh [runtime|dev]. Re-running is cheap: nothing is reinstalled unless a
# requirements file or a service's pyproject.toml changed. EDUDX_VENV names another environment than .venv
# (scripts/check_runtime.py builds the runtime-only one that way).
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-runtime}
venv=${EDUDX_VENV:-.venv}
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "EduDX needs Python 3.11 (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

# System packages first (root on Debian; elsewhere say what is missing and go on).
missing=()
while read -r package; do
  [ -z "$package" ] || [ "${package#\#}" != "$package" ] && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done < scripts/system-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]} …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages (install them as root): ${missing[*]}" >&2
  fi
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"

requirements=requirements.txt
[ "$kind" = dev ] && requirements=requirements-dev.txt
stamp="$venv/.installed-$kind"
digest=$(cat requirements*.txt services/*/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi

echo "Installing Python packages ($requirements) into $venv …"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$requirements"
editable=()
for service in services/*/; do
  [ -f "$service/pyproject.toml" ] && editable+=(-e "$service")
done
# --no-deps: every dependency is already pinned by the requirements file.
"$venv/bin/python" -m pip install --quiet --no-deps "${editable[@]}"
echo "$digest" > "$stamp"
