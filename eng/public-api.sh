#!/usr/bin/env bash
# Records the public API of every shipped package in its PublicAPI.Shipped.txt, for a deliberate API change:
# build once with warnings not as errors, take each RS0016 (public symbol not declared) and RS0017 (declared symbol
# gone) the analyzer reports, and update the files. Review the diff: every added line is a new promise to users.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for project in src/*/*.csproj providers/*/*.csproj; do
    dir=$(dirname "$project")
    [ "$(basename "$dir")" = Eventing.Cli ] && continue
    for file in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
        [ -f "$dir/$file" ] || printf '#nullable enable\n' > "$dir/$file"
    done
done
dotnet build Eventing.sln -c Release -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= --no-incremental -v q > "$log" 2>&1 || true
python3 - "$log" <<'PY'
import re, sys, os, collections
added = collections.defaultdict(set)
removed = collections.defaultdict(set)
for line in open(sys.argv[1], encoding='utf-8'):
    m = re.search(r"warning (RS0016|RS0017): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared API, but is either not public or could not be found).*\[(.+?\.csproj)\]", line)
    if m:
        (added if m.group(1) == 'RS0016' else removed)[os.path.dirname(m.group(3))].add(m.group(2))
for directory in set(added) | set(removed):
    path = os.path.join(directory, 'PublicAPI.Shipped.txt')
    lines = [l.rstrip('\n') for l in open(path, encoding='utf-8')]
    header = [l for l in lines if l.startswith('#')]
    body = (set(l for l in lines if l and not l.startswith('#')) - removed[directory]) | added[directory]
    with open(path, 'w', encoding='utf-8') as out:
        out.write('\n'.join(header + sorted(body, key=lambda s: (s.lstrip('~').replace('override ', '').replace('static ', '').replace('abstract ', '').replace('virtual ', '').replace('const ', ''), s))) + '\n')
    print(f"{path}: +{len(added[directory])} -{len(removed[directory])}")
PY
grep -E "error" "$log" | grep -vE "RS001[67]" | sort -u | head -20 || true
