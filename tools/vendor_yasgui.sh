#!/usr/bin/env bash
# Vendor YASGUI (the SPARQL editor of the query page, msp-graph serve) from the npm registry into
# msp_graph/assets/yasgui/: the built bundle (yasgui.min.js, yasgui.min.css) and the package's
# package.json (its licence and authors: the package ships no LICENSE file), then write the README there
# with the version and each file's sha256 (tests/test_serve_query.py checks the files against it).
#
#   tools/vendor_yasgui.sh            # the version below
#   tools/vendor_yasgui.sh 4.7.0      # another version (then run the browser tests: tests/test_browser.py)
#
# Needs npm (it only downloads the package tarball: `npm pack`, no install, no scripts run).
set -euo pipefail

VERSION="${1:-4.6.2}"
PACKAGE="@zazuko/yasgui"
FILES=(yasgui.min.js yasgui.min.css package.json)
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="$ROOT/msp_graph/assets/yasgui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent --ignore-scripts "$PACKAGE@$VERSION" >/dev/null)
tar -xzf "$WORK"/*.tgz -C "$WORK"
packed="$(node -p 'require(process.argv[1]).version' "$WORK/package/package.json")"
licence="$(node -p 'require(process.argv[1]).license' "$WORK/package/package.json")"
[ "$packed" = "$VERSION" ] || { echo "npm gave $PACKAGE $packed, not $VERSION" >&2; exit 2; }
[ "$licence" = "MIT" ] || { echo "$PACKAGE $VERSION is under $licence, not MIT: check before vendoring" >&2; exit 2; }

mkdir -p "$TARGET"
cp "$WORK/package/build/yasgui.min.js" "$WORK/package/build/yasgui.min.css" "$WORK/package/package.json" \
    "$TARGET/"

{
    cat <<EOF
# YASGUI, vendored

The SPARQL editor (YASQE) and result viewer (YASR) of the query page of \`msp-graph serve\`, loaded by
\`msp-query.js\` when the browser runs scripts (docs/serve.md, "Queries").

* Source: the npm package [\`$PACKAGE\`](https://www.npmjs.com/package/$PACKAGE) version **$VERSION**
  (repository https://github.com/rdfjs/Yasgui, Zazuko's fork of Triply's YASGUI).
* Licence: **MIT** (\`package.json\` here: \`"license": "MIT"\`, author Triply, contributor Zazuko GmbH; the
  npm package ships no LICENSE file, and the repository's README says "This code is released under the MIT
  license."). The bundle includes its dependencies (CodeMirror, DataTables, jQuery, lodash, DOMPurify,
  SortableJS, autocomplete.js...), each under its own open licence (MIT; DOMPurify: Apache 2.0
  or MPL 2.0).
* Taken from the package: \`build/yasgui.min.js\`, \`build/yasgui.min.css\` and \`package.json\`, unchanged
  (not the ESM build, the source maps or the type declarations).
* \`msp-query.js\` is msp-graph's own (MIT, as the rest of the code): it puts YASGUI in place of the page's
  \`<textarea>\` form and configures it to send queries to this server's \`/sparql\` only.

To update: \`tools/vendor_yasgui.sh VERSION\` (npm pack, copy, this README with the checksums), then
\`pytest tests/test_serve_query.py tests/test_browser.py\`, which check the checksums, the editor in a
real browser and that the page makes no request outside the server.

## Files (sha256)

\`\`\`
EOF
    (cd "$TARGET" && sha256sum "${FILES[@]}")
    echo '```'
} >"$TARGET/README.md"

echo "vendored $PACKAGE $VERSION into $TARGET" >&2
