"""Issue 19 against a real Label Studio (installed by scripts/integration/labelstudio.sh into
.venv-labelstudio; skipped cleanly without it): a vnflag queue's tasks imported into a project with
:data:`~vnflag.review.labelstudio.LABEL_STUDIO_CONFIG`, annotated by two users through the API,
exported as JSON, JSON_MIN, CSV and a snapshot, and each export imported with ``vnflag labels import``:
the right labels, once, whatever reviewer map is given. The server runs on 127.0.0.1 with a
temporary data directory, once for the module, and is always stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from vnflag.review.formats import export_queue
from vnflag.review.labelstudio import LABEL_STUDIO_CONFIG
from vnflag.review.queues import build_queue
from vnflag.review.store import LabelStore

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("VNFLAG_LABELSTUDIO_VENV", ROOT / ".venv-labelstudio"))
LABEL_STUDIO = VENV / "bin" / "label-studio"
USERS = {"anh@vnflag.test": "tok-anh-0123456789", "binh@vnflag.test": "tok-binh-0123456789"}
START_SECONDS = 300  # first start migrates a new database: about a minute on a busy 2-core machine

pytestmark = pytest.mark.skipif(not LABEL_STUDIO.is_file(),
                                reason=f"Label Studio is not installed ({LABEL_STUDIO} missing): run "
                                       "scripts/integration/labelstudio.sh")


class Server:
    """A Label Studio server's address and HTTP calls as one user (legacy token auth)."""

    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, user: str, body=None, raw: bool = False):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {USERS[user]}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            data = response.read()
        return data if raw else json.loads(data or b"null")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("labelstudio-data")
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}
    env.pop("HOST", None)
    log = (data / "server.log").open("wb")
    for number, (user, token) in enumerate(USERS.items()):  # the first user creates the organisation
        subprocess.run([str(LABEL_STUDIO), "init", "--username", user, "--password", f"pass-{token}",
                        "--user-token", token, *(["--enable-legacy-api-token"] if number == 0 else [])],
                       env=env, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=START_SECONDS)
    port = _free_port()
    process = subprocess.Popen([str(LABEL_STUDIO), "start", "--host", "127.0.0.1", "--port", str(port),
                                "--no-browser"], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Label Studio did not start; see {data / 'server.log'}")
                time.sleep(2)
        yield Server(url)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def project(server, tmp_path_factory):
    """A project holding a vnflag queue of 6 posts (the model flags at 0.35), each annotated by both users;
    its four exports in a folder with the queue export and record."""
    folder = tmp_path_factory.mktemp("labelstudio")
    scored = pd.DataFrame({
        "id": ["012", "12", "p3", "p4", "p5", "p6"],
        "text": ["Tin khẩn: uống nước muối chữa khỏi cúm", "Giá xăng tăng từ chiều nay", "Sập cầu ở Cần Thơ, 100 người",
                 "Lịch cắt điện quận 3 tuần tới", "Ngân hàng phát tiền miễn phí qua link", "Thời tiết Hà Nội mưa rào"],
        "score": [0.9, 0.6, 0.4, 0.3, 0.36, 0.1], "model_version": "m1"})
    scored["flagged"] = scored["score"] >= 0.35
    export_queue(build_queue(scored, budget=6, similarity=1.0), folder / "q.labelstudio.json")
    tasks = json.loads((folder / "q.labelstudio.json").read_text(encoding="utf-8"))
    admin, other = USERS
    pid = server.call("POST", "/api/projects", admin,
                      {"title": "vnflag queue", "label_config": LABEL_STUDIO_CONFIG})["id"]
    server.call("POST", f"/api/projects/{pid}/import", admin, tasks)
    stored = server.call("GET", f"/api/tasks?project={pid}&page_size=100", admin)["tasks"]
    truth = {}
    for task in stored:
        post = task["data"]["id"]
        for user in (admin, other):
            decision = "ok" if user == other and post in ("12", "p4") else "misleading"
            result = [{"from_name": "decision", "to_name": "text", "type": "choices",
                       "value": {"choices": [decision]}}]
            if post == "012":
                result.append({"from_name": "note", "to_name": "text", "type": "textarea",
                               "value": {"text": ["nguồn, \"giả\""]}})
            server.call("POST", f"/api/tasks/{task['id']}/annotations/", user,
                        {"result": result, "task": task["id"], "project": pid})
            truth[(post, user)] = decision
    for kind, name in (("JSON", "export.json"), ("JSON_MIN", "export_min.json"), ("CSV", "export.csv")):
        (folder / name).write_bytes(server.call("GET", f"/api/projects/{pid}/export?exportType={kind}", admin,
                                                raw=True))
    snapshot = server.call("POST", f"/api/projects/{pid}/exports", admin, {"title": "vnflag"})
    for _ in range(60):
        if server.call("GET", f"/api/projects/{pid}/exports/{snapshot['id']}", admin)["status"] == "completed":
            break
        time.sleep(1)
    (folder / "snapshot.json").write_bytes(server.call(
        "GET", f"/api/projects/{pid}/exports/{snapshot['id']}/download?exportType=JSON", admin, raw=True))
    users = {u["email"]: u["id"] for u in server.call("GET", "/api/users", admin)}
    return folder, {(post, f"labelstudio:{users[user]}"): d for (post, user), d in truth.items()}, stored, users


def test_the_pre_annotations_are_the_models_choice_at_its_threshold(server, project):
    # issue 19 case 5: the model flags at 0.35, so 0.36 and 0.4 are pre-annotated misleading, and an ok
    # suggestion carries the confidence of ok (1 - P), as Label Studio keeps the predictions
    _, _, stored, _ = project
    got = {}
    for task in stored:
        (prediction,) = server.call("GET", f"/api/predictions?task={task['id']}", next(iter(USERS)))
        got[task["data"]["id"]] = (prediction["result"][0]["value"]["choices"][0], round(prediction["score"], 6))
    assert got == {"012": ("misleading", 0.9), "12": ("misleading", 0.6), "p3": ("misleading", 0.4),
                   "p5": ("misleading", 0.36), "p4": ("ok", 0.7), "p6": ("ok", 0.9)}


@pytest.mark.parametrize("name", ["export.json", "export_min.json", "export.csv", "snapshot.json"])
def test_each_export_imports_the_right_labels_once(project, name, tmp_path):
    folder, truth, _, _ = project
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", folder / name, "--store", store,
                           "--queue", folder / "q.labelstudio.json")
    assert code == 0, err
    reviews = LabelStore(store).reviews()
    by_user = zip(zip(reviews["post_id"], reviews["identity"], strict=True), reviews["decision"], strict=True)
    assert len(reviews) == 12 and dict(by_user) == truth
    assert set(reviews["note"]) == {"", 'nguồn, "giả"'}
    assert set(LabelStore(store).conflicts()["post_id"]) == {"12", "p4"}
    code, _, err = run_cli("labels", "import", folder / name, "--store", store,
                           "--queue", folder / "q.labelstudio.json")
    assert code == 0 and "one review per post of its item): 0 new, 12 already stored" in err


def test_all_exports_with_any_map_store_nothing_new(project, tmp_path):
    folder, _, _, users = project
    store = tmp_path / "labels.sqlite"
    maps = [None, {users["anh@vnflag.test"]: "anh"}, {"binh@vnflag.test": "bình", "anh@vnflag.test": "anh"},
            {f"labelstudio:{users['binh@vnflag.test']}": "b"}]
    stored = []
    for name, names in zip(["export.json", "export_min.json", "export.csv", "snapshot.json"], maps, strict=True):
        stored.append(LabelStore(store).import_reviews(folder / name, queue=folder / "q.labelstudio.json",
                                                       reviewer_map=names).stored)
    assert stored == [12, 0, 0, 0]
    status = LabelStore(store).status()
    assert status["reviews"] == 12 and status["reviewers"] == {"anh": 6, "b": 6}
    assert [sorted(p["raters"]) for p in status["agreement"]["cohen_kappa"]["pairs"]] == [["anh", "b"]]
