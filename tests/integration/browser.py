# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Headless Chromium for looking at a report as a person does: its DOM after layout, and a screenshot.

The report has no script. To measure its layout, ``measure`` renders a copy with a probe script appended that
writes the widths it finds into the DOM, which ``--dump-dom`` then prints. The report itself stays script-free.
"""

import json
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = (
    "chromium is not installed: the report is checked in a real browser only where Debian's chromium package "
    "is (apt-get install chromium; .ci/run installs it where apt can)"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
PROBE = """<script>
(function () {
  var root = document.documentElement, table = document.getElementById("disks");
  var charts = Array.prototype.map.call(document.querySelectorAll("svg"), function (svg) {
    var box = svg.getBoundingClientRect();
    return {id: svg.id, width: box.width, height: box.height};
  });
  var probe = document.createElement("pre");
  probe.id = "layout-probe";
  probe.textContent = JSON.stringify({
    viewport: root.clientWidth, page: root.scrollWidth,
    table: table ? table.getBoundingClientRect().width : null, table_scroll: table ? table.scrollWidth : null,
    charts: charts
  });
  document.body.appendChild(probe);
})();
</script>"""


def _run(arguments, width, height, timeout=120):
    with tempfile.TemporaryDirectory(prefix="snapshield-chromium-") as profile:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, "--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height), *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode:
        raise RuntimeError("chromium failed (rc %s): %s" % (done.returncode, done.stderr[-2000:]))
    return done.stdout


def dump_dom(page, width=1280, height=900):
    """The DOM of the HTML file ``page`` as Chromium serialises it after loading."""
    return _run(["--dump-dom", Path(page).resolve().as_uri()], width, height)


def measure(page, width=1280, height=900):
    """The layout of ``page`` at that window size: viewport, page and table widths, each chart's box."""
    source = Path(page).read_text()
    with tempfile.TemporaryDirectory(prefix="snapshield-probe-") as tmp:
        probed = Path(tmp) / "probed.html"
        probed.write_text(source.replace("</body>", PROBE + "</body>"))
        dom = dump_dom(probed, width, height)
    found = re.search(r'<pre id="layout-probe">(.*?)</pre>', dom, re.S)
    assert found, "the layout probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def screenshot(page, png, width=1280, height=1600):
    """A PNG of the top ``height`` pixels of ``page``; returns its (width, height) as read from the file."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(["--screenshot=%s" % png, Path(page).resolve().as_uri()], width, height)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def chart_values(dom, chart_id):
    """``{label: value}`` of the bars of one chart, as the browser parsed them."""
    start = dom.index('id="%s"' % chart_id)
    svg = dom[start : dom.index("</svg>", start)]
    return {
        label.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"): float(value)
        for label, value in re.findall(r'<g class="bar" data-label="([^"]*)" data-value="([^"]*)"', svg)
    }
