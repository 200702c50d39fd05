#!/usr/bin/env bash
# Validates GEXF files against the official GEXF 1.3 schemas (vendored in
# crates/lockstep-report/tests/fixtures/gexf-1.3, see its README.md) with
# xmllint (Debian: libxml2-utils).
#
#     scripts/validate_gexf.sh FILE.gexf...
set -euo pipefail
schemas="$(cd "$(dirname "$0")/.." && pwd)/crates/lockstep-report/tests/fixtures/gexf-1.3"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE.gexf..." >&2; exit 2; }
xmllint --noout --schema "$schemas/gexf.xsd" "$@"
