"""Screenshots of a vnflag review queue for the docs, made from the bundled data by real programs:

- docs/img/screenshots/libreoffice-queue.png: the XLSX queue open in LibreOffice Calc (a real window on a
  virtual X display, Xvfb), the decision drop-down of the first row open;
- docs/img/screenshots/labelstudio-queue.png: the Label Studio export of the same queue imported into a real
  Label Studio server, the labelling screen of the first task, in headless Chromium driven by selenium.

The queue is the one the README's CLI quick start makes: train on data/posts_labelled.csv, score
data/posts_unlabelled.csv, queue with --budget 20 --explore 0.2. Everything is made in a temporary folder
(removed on success, kept and named on failure); the PNGs are replaced only once both are made. The servers and
programs this script starts (Label Studio, Xvfb, LibreOffice, Chromium) are stopped however it ends. It takes
2 to 3 minutes (Label Studio migrates a new database first). No Argilla screenshot: the Argilla server
(argilla-server 2.8) does not start without an Elasticsearch or OpenSearch server, and neither is a Debian or
PyPI package.

    bash scripts/docs/install-tools.sh          # once: the programs below (apt, Label Studio's venv, selenium)
    .venv/bin/python scripts/docs/screenshots.py

Needs: soffice, Xvfb, xdotool, chromium, chromedriver on PATH; Label Studio 1.23.2 in .venv-labelstudio
(or $VNFLAG_LABELSTUDIO_VENV); selenium and Pillow in this Python. A missing one stops the script before it
starts anything, naming what to install.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img" / "screenshots"
LS_VENV = Path(os.environ.get("VNFLAG_LABELSTUDIO_VENV", ROOT / ".venv-labelstudio"))
LABEL_STUDIO = LS_VENV / "bin" / "label-studio"
INSTALL = "bash scripts/docs/install-tools.sh"
MAX_BYTES = 300_000  # each PNG, for the docs site and the repository
START_SECONDS = 300  # Label Studio's first start migrates a new database: about a minute on a busy 2-core machine
CALC_SCREEN = (2400, 800)  # wide enough for every column up to `reviewer` at 100 % zoom; ten rows high
BROWSER_VIEWPORT = (1400, 760)


class ScreenshotError(Exception):
    """A step failed; the message says which and where its log is."""


def log(message: str) -> None:
    print(f"screenshots: {message}", file=sys.stderr, flush=True)


def missing_tools() -> list[str]:
    """What this script needs and does not find, each with how to get it (empty: all there)."""
    missing = [f"{name} (program not on PATH)" for name in ("soffice", "Xvfb", "xdotool", "chromium", "chromedriver")
               if shutil.which(name) is None]
    if not LABEL_STUDIO.is_file():
        missing.append(f"Label Studio ({LABEL_STUDIO} missing; set VNFLAG_LABELSTUDIO_VENV for another venv)")
    for module in ("selenium", "PIL", "vnflag"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"Python module {module} in {sys.executable} (run this script with the project's "
                           ".venv/bin/python)")
    return missing


# --- processes -------------------------------------------------------------------------------------------------


def start(stack: contextlib.ExitStack, argv: list[str], log_path: Path, **kwargs) -> subprocess.Popen:
    """Start a program in its own process group, its output to log_path, stopped when the stack closes."""
    out = stack.enter_context(log_path.open("wb"))
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, **kwargs)
    stack.callback(stop, process)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process group this script started: SIGTERM, then SIGKILL after 30 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_for(what: str, ready: Callable[[], bool], seconds: float, process: subprocess.Popen | None = None,
             log_path: Path | None = None) -> None:
    """Poll ready() until it is true; fail naming what did not happen (and the log) after seconds."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process is not None and process.poll() is not None:
            raise ScreenshotError(f"{what}: the program exited ({process.returncode}); see {log_path}")
        if time.monotonic() > deadline:
            raise ScreenshotError(f"{what}: not after {seconds:.0f} s; see {log_path}")
        time.sleep(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the queue -------------------------------------------------------------------------------------------------


def make_queues(work: Path) -> tuple[Path, Path]:
    """The README's CLI quick start on the bundled data; the same queue as XLSX and as Label Studio tasks."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                                       os.environ.get("PYTHONPATH")]))}

    def vnflag(*argv: str) -> None:
        done = subprocess.run([sys.executable, "-m", "vnflag", *argv], cwd=ROOT, env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise ScreenshotError(f"vnflag {argv[0]} failed ({done.returncode}): {done.stderr.strip()}")
        log(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"vnflag {argv[0]} done")

    vnflag("train", "data/posts_labelled.csv", "--text-col", "text", "--label-col", "label",
           "--meta-cols", "num_like,num_comment,num_share", "-o", str(work / "model"))
    vnflag("score", "data/posts_unlabelled.csv", "--model", str(work / "model"), "--text-col", "text",
           "-o", str(work / "scored.csv"))
    queues = work / "q.xlsx", work / "q.labelstudio.json"
    for queue in queues:
        vnflag("queue", str(work / "scored.csv"), "--model", str(work / "model"), "--budget", "20",
               "--explore", "0.2", "-o", str(queue))
    return queues


# --- LibreOffice Calc ------------------------------------------------------------------------------------------


def start_xvfb(stack: contextlib.ExitStack, work: Path, size: tuple[int, int]) -> str:
    """A virtual X display of the given size; returns its DISPLAY name (Xvfb picks a free number)."""
    read_end, write_end = os.pipe()
    process = start(stack, ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size[0]}x{size[1]}x24",
                            "-nolisten", "tcp"], work / "xvfb.log", pass_fds=(write_end,))
    os.close(write_end)
    try:
        number = b""
        deadline = time.monotonic() + 30
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                raise ScreenshotError(f"Xvfb did not start (exit {process.poll()}); see {work / 'xvfb.log'}")
            number += chunk
    finally:
        os.close(read_end)
    return f":{number.decode().strip()}"


def grab_stable(display: str, seconds: float = 30) -> bytes:
    """The X screen as PNG bytes once two grabs a second apart are the same (the window has finished drawing)."""
    from PIL import ImageChops, ImageGrab

    previous = ImageGrab.grab(xdisplay=display)
    deadline = time.monotonic() + seconds
    while True:
        time.sleep(1)
        current = ImageGrab.grab(xdisplay=display)
        if ImageChops.difference(previous.convert("RGB"), current.convert("RGB")).getbbox() is None:
            break
        if time.monotonic() > deadline:
            log(f"the screen of {display} still changes after {seconds:.0f} s; taking it as it is")
            break
        previous = current
    buffer = io.BytesIO()
    current.save(buffer, "PNG")
    return buffer.getvalue()


def shoot_calc(stack: contextlib.ExitStack, work: Path, xlsx: Path) -> bytes:
    """The XLSX queue in a real LibreOffice Calc window, the decision drop-down of row 2 (cell K2) open."""
    display = start_xvfb(stack, work, CALC_SCREEN)
    env = {**os.environ, "DISPLAY": display, "SAL_USE_VCLPLUGIN": "gen", "HOME": str(work)}
    calc = start(stack, ["soffice", "--norestore", "--nologo", "--nofirststartwizard", "--nolockcheck",
                         f"-env:UserInstallation={(work / 'libreoffice-profile').as_uri()}", "--calc", str(xlsx)],
                 work / "libreoffice.log", env=env, cwd=work)

    def xdotool(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(["xdotool", *argv], env=env, capture_output=True, text=True)

    window = f"{xlsx.name} - LibreOffice Calc"
    wait_for(f"a LibreOffice Calc window titled {window!r}", lambda: xdotool("search", "--name", window).stdout != "",
             120, calc, work / "libreoffice.log")
    grab_stable(display)
    window_id = xdotool("search", "--name", window).stdout.split()[0]
    xdotool("windowfocus", "--sync", window_id)
    # Shift+Ctrl+F5 puts the cursor in the Name Box; K2 is the first decision cell; Alt+Down opens its list.
    for step in (["key", "ctrl+shift+F5"], ["key", "ctrl+a"], ["type", "K2"], ["key", "Return"],
                 ["key", "alt+Down"]):
        if xdotool(*step).returncode != 0:
            raise ScreenshotError(f"xdotool {' '.join(step)} failed on {display}")
        time.sleep(0.5)
    return grab_stable(display)


# --- Label Studio ----------------------------------------------------------------------------------------------


class LabelStudio:
    """A Label Studio server this script started, on 127.0.0.1 with a temporary data folder, and one user."""

    def __init__(self, stack: contextlib.ExitStack, work: Path):
        data = work / "labelstudio-data"
        data.mkdir()
        self.user, self.password = "reviewer@vnflag.test", secrets.token_urlsafe(12)
        self.token = secrets.token_hex(20)
        env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}
        env.pop("HOST", None)  # Label Studio reads HOST as its own address
        log("initialising Label Studio (about a minute)")
        with (work / "labelstudio-init.log").open("wb") as out:
            done = subprocess.run([str(LABEL_STUDIO), "init", "--username", self.user, "--password", self.password,
                                   "--user-token", self.token, "--enable-legacy-api-token"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=START_SECONDS)
        if done.returncode != 0:
            raise ScreenshotError(f"label-studio init failed; see {work / 'labelstudio-init.log'}")
        self.url = f"http://127.0.0.1:{free_port()}"
        server = start(stack, [str(LABEL_STUDIO), "start", "--host", "127.0.0.1", "--port", self.url.rsplit(":")[-1],
                               "--no-browser"], work / "labelstudio.log", env=env)
        wait_for(f"Label Studio answering at {self.url}/health", self._healthy, START_SECONDS, server,
                 work / "labelstudio.log")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def call(self, method: str, path: str, body: object = None) -> Any:
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b"null")

    def project_with(self, tasks_file: Path) -> tuple[int, int]:
        """A project with vnflag's labelling config holding the queue's tasks; its id and the first task's id."""
        from vnflag.review.labelstudio import LABEL_STUDIO_CONFIG

        project = self.call("POST", "/api/projects", {"title": "vnflag queue", "label_config": LABEL_STUDIO_CONFIG})
        pid = project["id"]
        tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
        self.call("POST", f"/api/projects/{pid}/import", tasks)
        stored = self.call("GET", f"/api/tasks?project={pid}&page_size=100")["tasks"]
        if len(stored) != len(tasks):
            raise ScreenshotError(f"Label Studio holds {len(stored)} tasks after importing {len(tasks)}")
        first = min(stored, key=lambda task: int(task["data"]["rank"]))
        return pid, first["id"]


def shoot_labelstudio(stack: contextlib.ExitStack, work: Path, tasks_file: Path) -> bytes:
    """The labelling screen of the queue's first task, logged in as the project's user, in headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    server = LabelStudio(stack, work)
    pid, task = server.project_with(tasks_file)
    os.environ["SE_OFFLINE"] = "true"  # selenium must not look for drivers or browsers to download
    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
                     "--no-first-run", "--disable-extensions", "--lang=en-US",
                     f"--user-data-dir={work / 'chromium-profile'}", "--window-size=1600,1200"):
        options.add_argument(argument)
    service = Service(str(shutil.which("chromedriver")), log_output=str(work / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    stack.callback(driver.quit)
    width, height = BROWSER_VIEWPORT
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    wait = WebDriverWait(driver, 120)
    driver.get(server.url + "/user/login/")
    wait.until(ec.presence_of_element_located((By.NAME, "email"))).send_keys(server.user)
    driver.find_element(By.NAME, "password").send_keys(server.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
    wait.until(lambda d: "/user/login" not in d.current_url)
    driver.get(f"{server.url}/projects/{pid}/data?task={task}")
    for text in ("Words that raised the score", "misleading", "Submit"):
        wait.until(ec.visibility_of_element_located((By.XPATH, f"//*[contains(text(), '{text}')]")))
    driver.execute_async_script("document.fonts.ready.then(arguments[arguments.length - 1]);")
    time.sleep(2)  # the side panels slide in
    return driver.get_screenshot_as_png()


# --- the PNGs --------------------------------------------------------------------------------------------------


def small_png(png: bytes, limit: int = MAX_BYTES) -> bytes:
    """The image as a 256-colour PNG of at most limit bytes, scaled down by tenths only if it must be."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = 1.0
    while True:
        size = (round(image.width * scale), round(image.height * scale))
        scaled = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        scaled.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            buffer, "PNG", optimize=True)
        if buffer.tell() <= limit:
            return buffer.getvalue()
        scale -= 0.1
        if scale < 0.45:
            raise ScreenshotError(f"cannot make a readable PNG of at most {limit} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder of the PNGs (default: {OUT})")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's vnflag, as the CLI runs below
    missing = missing_tools()
    if missing:
        log("cannot make the screenshots; missing:\n  " + "\n  ".join(missing) + f"\nInstall them with: {INSTALL}")
        return 1
    for sig in (signal.SIGTERM, signal.SIGHUP):  # stop what was started, as on Ctrl+C
        signal.signal(sig, lambda number, _: sys.exit(128 + number))
    work = Path(tempfile.mkdtemp(prefix="vnflag-screenshots-"))
    try:
        with contextlib.ExitStack() as stack:
            xlsx, tasks = make_queues(work)
            log("LibreOffice Calc")
            calc = small_png(shoot_calc(stack, work, xlsx))
            stack.close()  # Xvfb and Calc are done before Label Studio starts: two cores are shared
            log("Label Studio")
            labelstudio = small_png(shoot_labelstudio(stack, work, tasks))
        images = {"libreoffice-queue.png": calc, "labelstudio-queue.png": labelstudio}
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            for name, png in images.items():
                (args.out / f".{name}.new").write_bytes(png)
        except OSError:
            for name in images:
                (args.out / f".{name}.new").unlink(missing_ok=True)
            raise
        for name in images:
            os.replace(args.out / f".{name}.new", args.out / name)
            log(f"wrote {args.out / name} ({len(images[name]) // 1000} KB)")
    except Exception as error:  # ScreenshotError, a program's, selenium's or the server's: one message, no trace
        log(f"failed: {type(error).__name__}: {error}\n(the logs and files so far are in {work})")
        return 1
    except BaseException:
        log(f"stopped (the logs and files so far are in {work})")
        raise
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
