"""HTML reports: charts that say more than the table, text alternatives, small screens, paper.

The browser checks run headless chromium (CI installs it) at 400 px and 1200 px: the
page must fit its width (tables scroll inside their own box, nothing is cut off) and
the chart must be drawn where the page puts it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.layout_probe import measure, require_chromium
from tradecli.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGES = {
    "balance": ["balance", "PAK", "JPN", "--from", "2024-08"],
    "balance-2": ["balance", "PAK", "JPN", "--from", "2020-11", "--to", "2020-12"],
    "products": ["products", "CHL", "ARG", "--from", "2004", "--level", "hs2", "--top", "5"],
    "partners": ["partners", "PAK", "--from", "2006", "--sort", "deficit", "--top", "5"],
    "series": ["series", "PAK", "JPN", "--from", "2019-11", "--to", "2021-01"],
}
# Inside the page: reports its layout and where the chart sits to the page around it.
PROBE = """<script>addEventListener('load', () => {
const f = document.getElementById('chart');
const r = f ? f.getBoundingClientRect() : {left: 0, top: 0, width: 0, height: 0};
parent.postMessage([document.documentElement.scrollWidth, innerWidth, Math.round(r.left),
  Math.round(r.top), Math.round(r.width), Math.round(r.height)].join(','), '*');
});</script></body>"""
# Around it: a frame exactly as wide as the screen tested (a browser window cannot be
# narrower than 500 px, a frame can), writing what the page reported into the DOM.
FRAME = """<!DOCTYPE html><html><body style="margin:0"><script>
addEventListener('message', e => document.body.setAttribute('data-probe', e.data));
</script><iframe src="{src}" width="{width}" height="1400" style="border:0"></iframe>
</body></html>"""


def _page(runner, name: str) -> str:
    result = runner.invoke(app, [*PAGES[name], "-f", "html"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _figure(page: str) -> str:
    found = re.search(r'<figure id="chart">(.*?)</figure>', page, re.S)
    assert found is not None, "no chart on the page"
    return found.group(1)


# -- what the page says, without a browser ---------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_has_a_chart_with_a_text_alternative(runner, name) -> None:
    figure = _figure(_page(runner, name))
    svg = figure[figure.index("<svg") :]
    assert svg.startswith('<svg role="img" aria-label="')
    title = re.search(r"<title>(.+?)</title>", svg)
    desc = re.search(r"<desc>(.+?)</desc>", svg)
    caption = re.search(r"<figcaption>(.+?)</figcaption>", figure)
    assert title and desc and caption
    # The text alternative gives the figures, not just "a chart".
    assert re.search(r"\$\d", html.unescape(desc.group(1)))
    assert desc.group(1) == caption.group(1)


def test_sparse_balance_is_two_period_bars_not_dots_on_an_empty_axis(runner) -> None:
    """Issue 12.10: six dots on a mostly empty 13-month axis said less than the table."""
    page = html.unescape(_page(runner, "balance"))
    figure = _figure(page)
    assert "exports, imports and balance, August 2024 and August 2025" in page
    assert "exports $17M‡ in August 2024 to $15.1M‡ in August 2025" in figure
    assert "balance -$94M‡ in August 2024 to -$127M in August 2025" in figure
    assert "2024-09" not in figure  # no empty months on an axis


def test_balance_with_a_full_monthly_span_draws_the_series(runner, tmp_path) -> None:
    """When the data hold every month between the two periods, the chart is that series."""
    tidy = tmp_path / "monthly.csv"
    lines = ["reporter,partner,flow,period,value_usd"]
    for i in range(13):
        period = f"{2024 + i // 12}-{i % 12 + 1:02d}"
        lines += [f"THA,VNM,exports,{period},{1000 + 10 * i}",
                  f"THA,VNM,imports,{period},{900 + 5 * i}"]  # fmt: skip
    tidy.write_text("\n".join(lines) + "\n")
    assert runner.invoke(app, ["import", str(tidy)]).exit_code == 0
    args = ["balance", "THA", "VNM", "--from", "2024-01", "--to", "2025-01", "-f", "html"]
    page = html.unescape(runner.invoke(app, args).stdout)
    figure = _figure(page)
    assert "<h2>Exports, imports and balance over time</h2>" in page
    assert "per period, 2024-01 to 2025-01 (13 periods, USD)" in figure
    assert "exports lowest $1k (2024-01), highest $1.12k (2025-01)" in figure


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("products", ["48 Paper and paperboard", "$33.3M", "All other products ($148M)"]),
        ("partners", ["China: exports $1.01B, imports $4.66B", "Indonesia"]),
    ],
)
def test_products_and_partners_pages_have_a_bar_chart(runner, name, expected) -> None:
    """Issue 12.10: the products page had no chart."""
    figure = html.unescape(_figure(_page(runner, name)))
    assert len(re.findall(r'<g id="patch_\d+"', figure)) >= 5  # the bars
    for text in expected:
        assert text in figure


@pytest.mark.parametrize("name", ["balance", "products"])
def test_page_reads_on_a_phone_and_on_paper(runner, name) -> None:
    page = _page(runner, name)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    print_css = page[page.index("@media print") :]
    # On paper nothing scrolls: a table wider than the page must not be clipped.
    assert ".scroll{overflow:visible}" in print_css and "break-inside:avoid" in print_css
    assert page.count('<div class="scroll"><table>') == page.count("<table>") >= 1


def test_same_data_same_svg_bytes(runner) -> None:
    assert _page(runner, "products") == _page(runner, "products")


def test_imported_source_is_named_by_file_name_not_local_path(runner, fixtures) -> None:
    """Issue 12.10: published pages showed the user's absolute file path."""
    path = fixtures / "real" / "ots_yrp_y-2002_r-mex_p-usa.csv"
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    for fmt in ("html", "markdown", "table", "json"):
        out = runner.invoke(app, ["partners", "USA", "--from", "2002", "-f", fmt]).stdout
        assert "from ots_yrp_y-2002_r-mex_p-usa.csv (ots format)" in out
        assert str(path.parent) not in out


# -- in a real browser, at 400 px and 1200 px ------------------------------------------


def _chromium(tmp_path: Path, page: Path, width: int, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={width},1400",
        *args,
    ]
    done = subprocess.run(
        [CHROMIUM, *flags, page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.parametrize("width", [400, 1200])
@pytest.mark.parametrize("name", ["balance", "products", "partners", "series"])
def test_page_fits_its_width_and_draws_its_chart(runner, tmp_path, name, width) -> None:
    """Issue 12.10: at 400 px the table was cut off. Now the page fits; tables scroll."""
    require_chromium()
    page = tmp_path / f"{name}.html"
    page.write_text(_page(runner, name))
    probed = tmp_path / f"{name}-probed.html"
    probed.write_text(page.read_text().replace("</body>", PROBE, 1))
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(src=probed.name, width=width))
    dom = _chromium(tmp_path, frame, 1300, "--virtual-time-budget=10000", "--dump-dom").stdout
    probe = re.search(r'data-probe="([\d,]+)"', dom)
    assert probe is not None, "the page did not load"
    scroll_width, inner, left, top, fig_width, fig_height = map(int, probe.group(1).split(","))
    assert inner == width
    assert scroll_width <= inner, f"page is {scroll_width} px wide in a {inner} px window"
    assert 0 <= left and left + fig_width <= inner and fig_height > 50
    shot = tmp_path / f"{name}-{width}.png"
    _chromium(tmp_path, page, width, f"--screenshot={shot}")
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[1] == width
    band = pixels[top : min(top + fig_height, pixels.shape[0]), left : left + fig_width]
    assert band.size and band.std() > 0.05  # the chart is drawn there, not a blank box
    # Nothing drawn past the right edge: the last column of pixels is page background.
    assert pixels[:, -1, :3].min() > 0.9


# Issue 21.8: at 400 px the headline's Change and Growth sat off-screen in a sideways
# box with no cue, the mirror table showed only labels, and chart text was about 6 px;
# at 1280 px the mirror table's Gap column was cut off.
FIGURE_PAGES = {
    **PAGES,
    "mirror": ["balance", "CHL", "ARG", "--from", "2002", "--to", "2002", "--mirror"],
    "mirror-pak-jpn": ["balance", "PAK", "JPN", "--from", "2024-08", "--mirror"],
}


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("name", list(FIGURE_PAGES))
def test_every_figure_is_on_screen_and_chart_text_is_legible(runner, tmp_path, name, width):
    """From the layout Chromium renders: no table cell needs scrolling to be seen (none
    outside the viewport or clipped by a scrolling box), and the smallest chart text is
    at least 11 CSS px as drawn on screen."""
    require_chromium()
    result = runner.invoke(app, [*FIGURE_PAGES[name], "-f", "html"])
    assert result.exit_code == 0, result.stderr
    layout = measure(tmp_path, result.stdout, width)
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= width, f"the page scrolls sideways at {width} px"
    for table in layout["tables"]:
        assert table["hidden"] == [], f"needs scrolling to be seen at {width} px"
    assert layout["chartTexts"] > 0, "no chart text measured"
    assert layout["chartText"] >= 11, f"chart text {layout['chartText']:.1f} px at {width} px"


# The drivers page (a waterfall, two tables) came after the check above and was not in
# it: at 400 px its Contribution column sat off-screen in the table's scroll box.
SHRIMP = "real/comtrade/vignette3_THA_shrimp_HS6_all_partners_2007_2011_annual.csv"
DRIVERS_PAGES = {
    "drivers-hs6": ["drivers", "THA", "USA", "--from", "2010", "--to", "2011", "--level", "hs6"],
    "drivers-hs4-top3": ["drivers", "THA", "JPN", "--from", "2010", "--to", "2011",
                         "--level", "hs4", "--flow", "exports", "--top", "3"],
}  # fmt: skip


@pytest.mark.parametrize("width", [400, 1280])
@pytest.mark.parametrize("name", list(DRIVERS_PAGES))
def test_drivers_contributions_are_on_screen_and_chart_text_is_legible(
    runner, tmp_path, name, width
) -> None:
    from tests.conftest import require_shared_data, run_import

    require_chromium()
    run_import(runner, require_shared_data() / SHRIMP)
    result = runner.invoke(app, [*DRIVERS_PAGES[name], "-f", "html"])
    assert result.exit_code == 0, result.stderr
    assert "<svg" in result.stdout, "no waterfall drawn"
    layout = measure(tmp_path, result.stdout, width)
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= width, f"the page scrolls sideways at {width} px"
    for table in layout["tables"]:
        assert table["hidden"] == [], f"needs scrolling to be seen at {width} px"
    assert layout["chartTexts"] > 0, "no chart text measured"
    assert layout["chartText"] >= 11, f"chart text {layout['chartText']:.1f} px at {width} px"
