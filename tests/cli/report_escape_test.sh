#!/usr/bin/env bash
# Strings from a results file are text in every report, never markup or
# terminal controls (issue 17): a crafted results.json (tests/cli/results/
# hostile.json: <img onerror>, |, backticks, emphasis, links, a newline and
# an escape sequence in the scenario, a version, its strategy, transport and
# upgrade, a NAT class, a check and params) gives a report.md whose tables
# keep their columns and hold no raw HTML, a report.html and JUnit XML
# without markup from the file, and a regress table without controls.
# A hostile target op or metric is refused with the field's name, and the
# reader's errors quote the file without its control characters.
# usage: report_escape_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=120

hostile=tests/cli/results/hostile.json
expect "hostile: report writes" 0 "" -- "$natsim" report $hostile --out "$tmp/rep" --junit "$tmp/junit.xml"
md="$tmp/rep/report.md"
# In report.md every < and | from the file stands behind a backslash.
absent "md: no raw HTML" '(^|[^\\])<' -- cat "$md"
absent "md: no escape character" $'\x1b' -- cat "$md"
expect "md: the version name escaped, one line" 0 '^\| \\<img src=x onerror=alert\(1\)\\>\\\|\\`tick\\` \\\*em\\\* \\_u\\_ \\\[a\\\]\(b\) \\#h \\&amp; \\~\\~s\\~\\~ \\\\ +\\\[31m v0\.7 \| 1000 \|' -- cat "$md"
expect "md: the check escaped" 0 '^\| \\<img .* check \| \*\*FAIL\*\* \| \\<img .* detail \|$' -- cat "$md"
expect "md: the NAT class escaped" 0 '^\| \\<img .* nat \| restricted_cone \| 122 \|' -- cat "$md"
expect "md: the heading escaped" 0 '^### \\<img .* v0\.7 by NAT pair$' -- cat "$md"
expect "md: every table row keeps its columns" 0 "" -- python3 -c "import re, sys
cols = None
for line in open(sys.argv[1]):
    if not line.startswith('|'):
        cols = None
        continue
    n = len(re.findall(r'(?<!\\\\)\|', line))
    assert cols is None or n == cols, (n, cols, line)
    cols = n" "$md"
absent "html: no markup from the file" "<img" -- cat "$tmp/rep/report.html"
absent "junit: no markup from the file" "<img" -- cat "$tmp/junit.xml"
expect "junit: well-formed XML" 0 "" -- python3 -c "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$tmp/junit.xml"
expect "junit: the check escaped" 0 'name="&lt;img src=x onerror=alert\(1\)&gt;\|`tick`' -- cat "$tmp/junit.xml"

# A target's op and metric are names from a list: anything else is refused.
python3 -c "import json, sys
r = json.load(open(sys.argv[1]))
r['versions'][1]['targets'][0]['op'] = '<img src=x onerror=alert(1)>'
json.dump(r, open(sys.argv[2], 'w'))" $hostile "$tmp/op.json"
expect "hostile op refused" 2 "op.json: versions\[1\]\.targets\[0\]\.op: expected \">=\", \"<=\" or \"=\", got \"<img" -- "$natsim" report "$tmp/op.json" --out "$tmp/op"

# The reader's errors quote the file as plain text.
printf '{"schema": "\\u001b[2J\\u001b]0;owned\\u0007", "scenario": "s", "versions": []}' >"$tmp/schema.json"
expect "bad schema refused" 2 'schema\.json: schema "\?\[2J\?\]0;owned\?" is not natsim-run/1' -- "$natsim" report "$tmp/schema.json" --out "$tmp/schema"
absent "bad schema: no escape character" $'\x1b' -- "$natsim" report "$tmp/schema.json" --out "$tmp/schema"

# regress prints a baseline's version names and params as plain text.
s=scenarios/roadmap.lua
"$natsim" run $s --set pairs=20 --set versions=v0.8 --quiet --out "$tmp/base" >/dev/null 2>&1
python3 -c "import json, sys
r = json.load(open(sys.argv[1]))
h = json.load(open(sys.argv[2]))['versions'][0]['name']
extra = dict(r['versions'][0])
extra['name'] = h
r['versions'].append(extra)
r['params'] = {h: h}
json.dump(r, open(sys.argv[3], 'w'))" "$tmp/base/results.json" $hostile "$tmp/evil_base.json"
expect "regress: a hostile baseline reads" 0 "" -- "$natsim" regress --baseline "$tmp/evil_base.json" $s --set pairs=20 --set versions=v0.8 --quiet --junit "$tmp/regress.xml"
absent "regress: no escape character" $'\x1b' -- "$natsim" regress --baseline "$tmp/evil_base.json" $s --set pairs=20 --set versions=v0.8 --quiet
expect "regress: names on one line" 0 '^<img src=x onerror=alert\(1\)>\|`tick`\?\*em\* _u_ \[a\]\(b\) #h &amp; ~~s~~ \\ \?\[31m v0\.7 +\(not run now\)' -- "$natsim" regress --baseline "$tmp/evil_base.json" $s --set pairs=20 --set versions=v0.8 --quiet
expect "regress: junit well-formed" 0 "" -- python3 -c "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$tmp/regress.xml"

echo "report_escape: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
