#!/bin/bash
# Refresh the page's Spanish catalog after changing texts in web/, appliance/ or hardware/ (the
# drivers' reasons a line or handset is out of service):
#   1. collect every marked text into web/translations/messages.pot,
#   2. merge new texts into web/translations/es/LC_MESSAGES/messages.po (translate the empty ones),
#   3. compile the .mo the app reads (tests/web/test_i18n.py fails while it is stale).
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=.venv/bin/pybabel
$BABEL extract --no-location --omit-header -F babel.cfg -k N_ -k _l -k Text -k say:2 \
    -o web/translations/messages.pot web appliance hardware
$BABEL update --ignore-obsolete --no-fuzzy-matching --width 100 -i web/translations/messages.pot -d web/translations -l es
$BABEL compile -d web/translations -l es
