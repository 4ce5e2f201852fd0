#!/usr/bin/env bash
# Regenerate requirements.lock: the exact versions CI installs (pip install -c requirements.lock ...).
# Run in a fresh virtual environment so that nothing else installed leaks into the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e '.[test,bench]'
{
    echo "# Exact versions of every package msp-graph and its tests use; CI installs with -c requirements.lock."
    echo "# Regenerate with tools/lock.sh (pyproject.toml holds the ranges users get)."
    "$venv/bin/pip" freeze --exclude-editable | grep -v '^msp-graph' | LC_ALL=C sort -f
} > requirements.lock
