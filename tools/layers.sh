#!/bin/sh
# layers: fails when a file under src/ includes a header of a layer above its own. The layers
# are the Makefile's LAYERS, lowest first; db and net are peers (neither includes the other).
# A layer may include any layer below it: lib ← db, net ← core ← web ← handlers ← main.
# Prints every violation (not only the first), then exits 1 when there was one.
#   tools/layers.sh [SRC_DIR]      (default: src, with ./Makefile's LAYERS)
set -eu
src=${1:-src}
layers=$(sed -n 's/^LAYERS := //p' Makefile)
[ -n "$layers" ] || { echo "layers: no LAYERS in Makefile" >&2; exit 2; }

# "FILE:#include "x.h"" lines of every layer's files, then: header → layer, layer → rank
for l in $layers; do ls "$src/$l"/*.h 2>/dev/null | sed "s|.*/|H $l |"; done >"${TMPDIR:-/tmp}/layers.$$"
trap 'rm -f "${TMPDIR:-/tmp}/layers.$$"' EXIT
for l in $layers; do ls "$src/$l"/*.[ch] 2>/dev/null; done | xargs grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' |
    cat "${TMPDIR:-/tmp}/layers.$$" - | awk -v layers="$layers" '
BEGIN {
    n = split(layers, L, " ")
    for (i = 1; i <= n; i++) { if (L[i] != "net") r++; rank[L[i]] = r } # net shares db rank
}
$1 == "H" { at[$3] = $2; next }
{
    split($0, p, ":"); file = p[1]
    m = split(file, parts, "/"); from = parts[m - 1]
    inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
    h = inc; sub(/.*\//, "", h)
    to = at[h]
    if (to == "" || to == from) next
    if (rank[to] >= rank[from]) { print "layers: " file " includes " inc ": " from " may not include " to; bad = 1 }
}
END {
    if (!bad) { s = L[1]; for (i = 2; i <= n; i++) s = s (L[i] == "net" ? ", " : " ← ") L[i]; print "layers: every include points down (" s ")" }
    exit bad
}'
