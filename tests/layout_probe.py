"""Measure an HTML page as headless Chromium lays it out, at a given viewport width.

The page runs inside an iframe exactly ``width`` px wide (a headless window cannot be
narrower than 500 px; a frame can). A script in the page reports, from the rendered
layout itself (``getBoundingClientRect``), which table cells a reader cannot see
without scrolling (outside the viewport, or clipped by a scrolling box around the
table), and the smallest chart text as rendered in CSS px (font size times the
SVG's scale on screen). The frame writes the report into its DOM; ``--dump-dom``
hands it back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """Chromium's path. Missing: skip, saying why; missing under CI: fail (``.ci/run``
    installs it), so CI never goes green with the browser checks skipped."""
    import pytest

    from tests.conftest import in_ci

    if CHROMIUM is None:
        reason = "chromium is not installed (.ci/run installs it)"
        if in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


PROBE = """<script>addEventListener('load', () => {
const view = {left: 0, right: innerWidth, top: 0, bottom: innerHeight};
function clip(el) {  // the part of the viewport a cell can show in: scroll boxes clip
  let box = {...view};
  for (let p = el.parentElement; p; p = p.parentElement) {
    const style = getComputedStyle(p);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) {
      const r = p.getBoundingClientRect();
      box = {left: Math.max(box.left, r.left), right: Math.min(box.right, r.right),
             top: box.top, bottom: box.bottom};
    }
  }
  return box;
}
const tables = [...document.querySelectorAll('table')].map(t => {
  const hidden = [];
  for (const cell of t.querySelectorAll('th, td')) {
    const r = cell.getBoundingClientRect(), box = clip(cell);
    if (r.width === 0 || r.left < box.left - 0.5 || r.right > box.right + 0.5)
      hidden.push(cell.textContent.trim() || '(empty)');
  }
  return {hidden, rows: t.rows.length, width: Math.round(t.getBoundingClientRect().width)};
});
const texts = [...document.querySelectorAll('figure svg text')].map(el => {
  const size = parseFloat(getComputedStyle(el).fontSize);
  const m = el.getScreenCTM();
  return size * Math.hypot(m.a, m.b);
});
parent.postMessage(JSON.stringify({
  scrollWidth: document.documentElement.scrollWidth, innerWidth, tables,
  chartText: texts.length ? Math.min(...texts) : null, chartTexts: texts.length
}), '*');
});</script></body>"""
FRAME = """<!DOCTYPE html><html><body style="margin:0"><script>
addEventListener('message', e => document.body.setAttribute('data-probe', e.data));
</script><iframe src="{src}" width="{width}" height="{height}" style="border:0"></iframe>
</body></html>"""
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium(tmp: Path, url: str, window: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    flags = [*FLAGS, f"--user-data-dir={tmp / 'profile'}", f"--window-size={window}", *args]
    done = subprocess.run([CHROMIUM, *flags, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def measure(tmp: Path, page: str, width: int, height: int = 1400) -> dict:
    """The layout report of ``page`` (HTML text) at ``width`` px."""
    name = f"probe-{width}"
    probed = tmp / f"{name}.html"
    probed.write_text(page.replace("</body>", PROBE, 1))
    frame = tmp / f"{name}-frame.html"
    frame.write_text(FRAME.format(src=probed.name, width=width, height=height))
    window = f"{max(width, 500) + 20},{height + 20}"
    dom = chromium(tmp, frame.as_uri(), window, "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r'data-probe="([^"]+)"', dom.stdout)
    assert found is not None, "the page did not load"
    import html

    return json.loads(html.unescape(found.group(1)))


def screenshot(tmp: Path, page: str, width: int, height: int = 1400) -> Path:
    """A PNG of ``page`` in a window ``width`` px wide (at least 500: Chromium's floor)."""
    source = tmp / f"shot-{width}.html"
    source.write_text(page)
    shot = tmp / f"shot-{width}.png"
    chromium(tmp, source.as_uri(), f"{width},{height}", f"--screenshot={shot}")
    return shot
