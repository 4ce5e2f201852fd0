#!/usr/bin/env bash
# Do msp-graph's dependency ranges (pyproject.toml) hold? Run by CI; needs only python3 and pip's configured
# index (no virtual environment of its own: it makes a throwaway one).
#
# 1. Resolution: pip, without installing anything, finds a set of packages for msp-graph beside the lowest
#    rdflib minor it allows, and beside matplotlib 3.10 (`[picture]`).
# 2. The oldest supported set: rdflib, pyshacl and owlrl at the lower bounds of their ranges in
#    pyproject.toml (the fast SHACL engine reads shapes through pyshacl's internals, owlrl is the reference
#    reasoner), every other package from requirements.lock, in a throwaway venv; then the tests that
#    exercise those three.
# Exit status non-zero when either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# "rdflib==7.5" "pyshacl==0.31" "owlrl==7.1.4": the lower bound of each range in pyproject.toml.
mapfile -t oldest < <("$python" - <<'EOF'
import re, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
for name in ("rdflib", "pyshacl", "owlrl"):
    (low,) = [m.group(1) for d in deps if (m := re.fullmatch(rf"{name}>=([0-9.]+)(,.*)?", d))]
    print(f"{name}=={low}")
EOF
)
if [ "${#oldest[@]}" -ne 3 ]; then
    echo "check_compat: no lower bound for rdflib, pyshacl and owlrl in pyproject.toml" >&2
    exit 1
fi
rdflib_minor="$(sed -E 's/^rdflib==([0-9]+\.[0-9]+).*/\1/' <<<"${oldest[0]}")"

resolves() {
    echo "check_compat: resolving msp-graph with $*"
    if ! (cd "$work" && "$python" -m pip install --quiet --dry-run --ignore-installed "$@"); then
        echo "check_compat: pip finds no set of packages for: $*" >&2
        exit 1
    fi
}
resolves "$root" "rdflib==$rdflib_minor.*"
resolves "$root[picture]" "matplotlib==3.10.*"

echo "check_compat: installing the oldest supported set: ${oldest[*]}"
grep -viE '^(rdflib|pyshacl|owlrl)==' requirements.lock >"$work/constraints.txt"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
"$work/venv/bin/pip" install --quiet -c "$work/constraints.txt" -e '.[test]' "${oldest[@]}"
"$work/venv/bin/pip" check
# The tests of both SHACL engines (the W3C suite, the fast engine against pyshacl) and of both reasoners (the
# rules engine against owlrl): about 1.5 minutes on 2 cores. The `msp-graph` some of them run is the venv's.
PATH="$work/venv/bin:$PATH" timeout 600 "$work/venv/bin/python" -m pytest -q -x -p no:cacheprovider \
    tests/test_w3c_shacl.py tests/test_fastshacl.py tests/test_validation.py tests/test_reasoning.py \
    tests/test_rules.py
echo "check_compat: OK"
