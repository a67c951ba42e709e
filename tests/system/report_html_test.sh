#!/usr/bin/env bash
# Opens an HTML report in headless Chromium and checks that it renders: the
# page's own script measures every chart once laid out (getBBox) and writes
# "charts: N, drawn: M"; every chart must have drawn, and the three kinds of
# chart must be there.
# usage: report_html_test.sh REPORT.html
set -u
html=$(realpath "$1")
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "FAIL: chromium is not installed (bash scripts/setup.sh --test installs it)"
  exit 1
fi
dom=$("$browser" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 \
        --dump-dom "file://$html" 2>/dev/null)
status=0
verdict=$(grep -o 'id="render-check">[^<]*' <<<"$dom" | sed 's/.*>//')
echo "render check: ${verdict:-none}"
if ! [[ "$verdict" =~ ^charts:\ ([0-9]+),\ drawn:\ ([0-9]+)$ ]] ||
   [ "${BASH_REMATCH[1]}" -lt 3 ] || [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
  echo "FAIL: not every chart drew (or the page's script did not run)"
  status=1
fi
for id in chart-shares chart-heatmap- chart-connect-; do
  if ! grep -q "id=\"$id" <<<"$dom"; then
    echo "FAIL: no chart $id in the rendered page"
    status=1
  fi
done
[ $status -eq 0 ] && echo "report renders: $html"
exit $status
