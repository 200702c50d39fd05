#!/usr/bin/env bash
# Validates STIX 2.1 bundles with OASIS's validator (stix2-validator, from
# the OASIS CTI TC's cti-stix-validator; `pip install stix2-validator`):
# the STIX 2.1 JSON schemas and every best-practice check as an error
# (--strict), but 302, which wants a hash beside every external URL
# (DISARM's technique pages change, so a hash would not hold); every
# reference must resolve inside the bundle (--enforce-refs).
#
#     scripts/validate_stix.sh FILE.json...
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: $0 FILE.json..." >&2; exit 2; }
python3 -m stix2validator.scripts.stix2_validator --strict --disable 302 --enforce-refs "$@"
