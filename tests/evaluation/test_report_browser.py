"""The HTML report in a real browser (headless Chromium; scripts/integration/chromium.sh installs it): the page
renders, its screenshot is not blank, no text or marker leaves its figure, and all text is at least 12 px.

Marked `integration` (it runs a program; tests/conftest.py marks it); skipped when Chromium is not installed.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vnflag import evaluate, write_report
from vnflag.evaluation.report import FIGURES
from vnflag.review.agreement import agreement_summary

WIDTH, HEIGHT = 1100, 2400
MIN_PX = 12

# Run in a copy of the page only (the report itself has no script). It measures what the browser laid out and
# writes the problems it finds, as JSON, into an element that --dump-dom prints.
CHECK = """<script>
(() => {
  const problems = [], slack = 1;
  const svgs = [...document.querySelectorAll("svg")];
  for (const svg of svgs) {
    const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal, scale = box.width / view.width;
    const name = svg.getAttribute("aria-label");
    for (const el of svg.querySelectorAll("text, use")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < box.left - slack || r.top < box.top - slack || r.right > box.right + slack ||
          r.bottom > box.bottom + slack)
        problems.push(`${name}: ${el.tagName} ${JSON.stringify(el.textContent)} leaves the figure`);
      if (el.tagName === "text" && parseFloat(getComputedStyle(el).fontSize) * scale < 12 - 0.01)
        problems.push(`${name}: text ${JSON.stringify(el.textContent)} under 12 px`);
    }
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") || el.tagName === "SCRIPT") continue;
    const own = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (own && parseFloat(getComputedStyle(el).fontSize) < 12)
      problems.push(`${el.tagName} ${JSON.stringify(el.textContent.slice(0, 40))} under 12 px`);
  }
  const out = document.createElement("pre");
  out.id = "vnflag-check";
  out.textContent = JSON.stringify({figures: svgs.length, problems});
  document.body.appendChild(out);
})();
</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium's path; the module's tests skip, before rendering anything, when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    pytest.skip("Chromium is not installed (scripts/integration/chromium.sh installs it)")


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *args],
                          capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture(scope="module")
def report(chromium, model_dir, labelled, tmp_path_factory) -> Path:
    """The report of the bundled data (144 posts, so two budgets are capped) with low reviewer agreement."""
    result = evaluate(model_dir, labelled.sample(144, random_state=3), n_bootstrap=50, source="posts_labelled.csv")
    result = dataclasses.replace(result, agreement=agreement_summary(pd.DataFrame(
        {"anh": ["misleading"] + ["ok"] * 19, "binh": ["ok"] * 6 + ["misleading"] * 13 + ["ok"]})))
    path, _ = write_report(result, tmp_path_factory.mktemp("report") / "report.html")
    return Path(path)


def test_report_renders_in_chromium_with_nothing_clipped_or_small(chromium, report, tmp_path):
    checked = tmp_path / "checked.html"
    checked.write_text(report.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"), encoding="utf-8")
    run = _run(chromium, tmp_path / "profile", "--dump-dom", checked.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="vnflag-check">(.*?)</pre>', run.stdout, re.DOTALL)
    assert found, f"the check did not run (a script error?): {run.stderr[-2000:]}"
    outcome = json.loads(html.unescape(found.group(1)))
    assert outcome["figures"] == len(FIGURES)
    assert outcome["problems"] == []


def test_report_screenshot_is_not_blank(chromium, report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    run = _run(chromium, tmp_path / "profile", f"--screenshot={shot}", report.as_uri())
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (WIDTH, HEIGHT)
        pixels = np.asarray(image.convert("L"), dtype=float)
    # Text, tables and five figures: a good share of the page is not white, in many shades.
    assert (pixels < 200).mean() > 0.01
    assert len(np.unique(pixels)) > 50
