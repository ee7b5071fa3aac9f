"""Scoring on a Dask cluster: the same bytes, rows, order, scores and drift figures as a local run,
the same errors for the same mistakes, ``resume`` on both engines, the model sent to each worker
once, and a cluster started with Dask's own command line."""

from __future__ import annotations

import json
import pickle
import re
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from conftest import DATA, many_posts_csv, read_bundled  # noqa: E402

from vnflag import VnflagError, score_dask, score_file, score_frame  # noqa: E402
from vnflag.cli import main  # noqa: E402
from vnflag.pipelines.checkpoint import ScoreCheckpoint  # noqa: E402
from vnflag.pipelines.distributed import DASK_EXTRA_MESSAGE, score_file_dask  # noqa: E402

UNLABELLED = DATA / "posts_unlabelled.csv"


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, for the whole module."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0")  # no clash with a dashboard at :8787
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def _partitioned(frame: pd.DataFrame, npartitions: int):
    """A dask DataFrame of ``frame`` with its own column types (dask would make text columns pyarrow strings)."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(frame, npartitions=npartitions, sort=False)


def _local(flagger, source: Path, output: Path) -> tuple[pd.DataFrame, dict]:
    summary = score_file(flagger, source, output, chunksize=50, n_jobs=1)
    return pd.read_parquet(output) if output.suffix == ".parquet" else read_csv(output), summary


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_score_dask_equals_score_frame_row_for_row(client, flagger, unlabelled):
    ddf = _partitioned(unlabelled, 5)
    assert ddf.npartitions == 5
    scored = score_dask(flagger, ddf, client=client)
    assert list(scored.columns) == list(scored.compute().columns)  # the meta is the real columns
    got = scored.compute()
    expected = score_frame(flagger, unlabelled)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["score"].notna().sum() > 200 and got["id"].tolist() == unlabelled["id"].tolist()


def test_score_dask_without_a_distributed_client_uses_one_model_node(flagger, unlabelled, monkeypatch):
    monkeypatch.setattr(distributed, "get_client", lambda: (_ for _ in ()).throw(ValueError("no client")))
    scored = score_dask(flagger, _partitioned(unlabelled, 3))
    graph = dict(scored.__dask_graph__())
    assert sum(isinstance(v, type(flagger)) or "vnflag-model" in str(k) for k, v in graph.items()) == 1
    pd.testing.assert_frame_equal(scored.compute(scheduler="sync"), score_frame(flagger, unlabelled))


def test_the_model_is_scattered_once_not_sent_with_every_task(client, flagger, unlabelled):
    model_bytes = len(pickle.dumps(flagger))
    scored = score_dask(flagger, _partitioned(unlabelled, 6), client=client)
    graph_bytes = len(pickle.dumps(dict(scored.__dask_graph__())))
    assert graph_bytes < model_bytes / 10  # six partitions, and not even one copy of the model in the graph
    persisted = client.persist(scored)
    distributed.wait(persisted)

    def on_scheduler(dask_scheduler):
        tasks = dask_scheduler.tasks
        return {str(key): ([str(d.key) for d in ts.dependencies], len(pickle.dumps(ts.run_spec)), ts.state)
                for key, ts in tasks.items()}

    tasks = client.run_on_scheduler(on_scheduler)
    partitions = [task for key, task in tasks.items() if "_score_partition-" in key]  # the scoring tasks
    assert len(partitions) == 6 and all(state == "memory" for _, _, state in partitions)
    models = {dep for deps, _, _ in partitions for dep in deps if dep.startswith("Flagger-")}
    assert len(models) == 1, models  # every partition's task depends on the one scattered model
    assert all(size < model_bytes / 10 for _, size, _ in partitions)  # ... and carries only its rows
    pd.testing.assert_frame_equal(persisted.compute(), score_frame(flagger, unlabelled))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_local_and_dask_write_the_same_bytes_and_drift_figures(client, flagger, tmp_path, suffix):
    source = many_posts_csv(tmp_path / "posts.csv", copies=2)  # multi-line posts, many chunks
    got = score_file(flagger, source, tmp_path / f"dask{suffix}", engine="dask", chunksize=37, client=client)
    local = score_file(flagger, source, tmp_path / f"local{suffix}", chunksize=37, n_jobs=1)
    assert (tmp_path / f"dask{suffix}").read_bytes() == (tmp_path / f"local{suffix}").read_bytes()
    assert got.to_dict() == local.to_dict() and got.rows == 464
    assert (tmp_path / f"dask{suffix}.drift.json").read_text() == (tmp_path / f"local{suffix}.drift.json").read_text()
    expected = score_frame(flagger, read_csv(source))
    if suffix == ".parquet":  # and what both wrote is score_frame's table
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask.parquet"), expected, check_exact=True)


def test_glob_in_directory_out_the_same_bytes_on_both_engines(client, flagger, tmp_path):
    source = read_csv(many_posts_csv(tmp_path / "posts.csv", copies=1))
    parts = tmp_path / "in"
    parts.mkdir()
    source.iloc[:100].to_csv(parts / "a.csv", index=False)
    source.iloc[100:].to_csv(parts / "b.csv", index=False)
    (parts / "notes.md").write_text("not a table")
    for engine, options in (("dask", {"client": client}), ("local", {"n_jobs": 2})):
        score_file(flagger, str(parts / "*.csv"), str(tmp_path / engine) + "/", engine=engine, chunksize=60, **options)
        score_file(flagger, parts, tmp_path / f"{engine}.csv", engine=engine, chunksize=60, **options)
    names = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert names == [f"part.{i:05d}.parquet" for i in range(5)]
    for name in names:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "dask.drift.json").read_text() == (tmp_path / "local.drift.json").read_text()
    whole = tmp_path / "whole.csv"
    source.to_csv(whole, index=False)
    score_file(flagger, whole, tmp_path / "one_file.csv", chunksize=60, n_jobs=1)
    pd.testing.assert_frame_equal(read_csv(tmp_path / "local.csv"), read_csv(tmp_path / "one_file.csv"))


def test_resume_on_dask_and_across_engines(client, flagger, tmp_path, monkeypatch):
    from test_resume import interrupted

    source = many_posts_csv(tmp_path / "posts.csv", copies=1)
    score_file(flagger, source, tmp_path / "whole.csv", chunksize=40, n_jobs=1)
    for first, then in (("dask", "dask"), ("local", "dask"), ("dask", "local")):
        output = tmp_path / f"{first}-{then}.csv"
        options = {"client": client} if first == "dask" else {}
        interrupted(flagger, source, output, after=2, monkeypatch=monkeypatch, chunksize=40, engine=first, **options)
        assert json.loads((ScoreCheckpoint.location(output) / "checkpoint.json").read_text())["chunks_done"] == 2
        options = {"client": client} if then == "dask" else {"n_jobs": 1}
        summary = score_file(flagger, source, output, chunksize=40, engine=then, resume=True, **options)
        assert summary.rows == 232 and output.read_bytes() == (tmp_path / "whole.csv").read_bytes(), (first, then)
        assert not ScoreCheckpoint.location(output).exists()


def _error(call) -> str:
    with pytest.raises(VnflagError) as error:
        call()
    return str(error.value)


def test_the_same_mistake_gives_the_same_error_on_both_engines(client, flagger, tmp_path):
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("id,body,num_like,num_comment,num_share\n1,a,1,1,1\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    unknown = tmp_path / "posts.docx"
    unknown.write_text("x")
    clash = tmp_path / "clash.csv"
    clash.write_text("id,text,num_like,num_comment,num_share,score\n1,a,1,1,1,0.5\n", encoding="utf-8")
    mistakes = {
        "missing column": (no_text, tmp_path / "out.csv", "'text' not found"),
        "empty input": (empty, tmp_path / "out.csv", "empty"),
        "unknown input extension": (unknown, tmp_path / "out.csv", "unknown file type '.docx'"),
        "unknown output extension": (UNLABELLED, tmp_path / "out.docx", "unknown file type '.docx'"),
        "a score column already there": (clash, tmp_path / "out.csv", "already has column"),
        "no file matches": (str(tmp_path / "nothing*.csv"), tmp_path / "out.csv", "no file matches"),
    }
    for name, (source, output, expected) in mistakes.items():
        local = _error(lambda source=source, output=output: score_file(flagger, source, output, n_jobs=1))
        dask = _error(lambda source=source, output=output: score_file(flagger, source, output, engine="dask",
                                                                       client=client))
        assert local == dask and expected in local and "\n" not in local, name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("out", "."))]


def test_strict_reader_errors_like_the_local_engine(client, flagger, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('id,text,num_like,num_comment,num_share\n1,"Tin nóng\nchia sẻ ngay",1,2,3\n2,ngắn\n',
                   encoding="utf-8")
    local = _error(lambda: score_file(flagger, bad, tmp_path / "a.csv"))
    dask = _error(lambda: score_file_dask(flagger, bad, tmp_path / "b.csv", client=client))
    assert dask == local and "data row 2" in local
    assert not (tmp_path / "b.csv").exists()


def test_cli_dask_csv_to_parquet_csv_and_directory(client, model_dir, flagger, tmp_path, capsys):
    source = many_posts_csv(tmp_path / "posts.csv", copies=1)
    expected, _ = _local(flagger, source, tmp_path / "local.parquet")
    common = ["--model", str(model_dir), "--engine", "dask", "--jobs", "2", "--chunksize", "60"]
    assert main(["score", str(source), "-o", str(tmp_path / "one.parquet"), *common]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), expected, check_exact=True)
    assert "scored 232 rows" in capsys.readouterr().err

    # a directory of CSV files in → a directory of Parquet parts and one CSV out, on the module's
    # cluster through --scheduler (starting a local cluster once above is enough)
    common = ["--model", str(model_dir), "--engine", "dask", "--scheduler", client.scheduler.address,
              "--chunksize", "60"]
    parts = tmp_path / "in"
    parts.mkdir()
    rows = read_csv(source)
    rows.iloc[:100].to_csv(parts / "a.csv", index=False)
    rows.iloc[100:].to_csv(parts / "b.csv", index=False)
    assert main(["score", str(parts), "-o", str(tmp_path / "out") + "/", *common]) == 0
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [f"part.{i:05d}.parquet" for i in range(5)]  # 100 + 129 rows, 60 a chunk
    directory = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    pd.testing.assert_frame_equal(directory, expected, check_exact=True)
    assert (tmp_path / "out.drift.json").read_text() == (tmp_path / "local.parquet.drift.json").read_text()

    assert main(["score", str(parts / "*.csv"), "-o", str(tmp_path / "scored.csv"), *common]) == 0
    score_file(flagger, source, tmp_path / "local.csv", chunksize=60, n_jobs=1)
    assert (tmp_path / "scored.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_cli_options_that_do_not_go_together(model_dir, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    assert main(["score", str(UNLABELLED), "--model", str(model_dir), "-o", out,
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler works only with --engine dask" in capsys.readouterr().err
    directory = tmp_path / "full"
    directory.mkdir()
    (directory / "keep.txt").write_text("mine")
    assert main(["score", str(UNLABELLED), "--model", str(model_dir), "-o", str(directory), "--engine", "dask"]) == 2
    assert "not empty" in capsys.readouterr().err and (directory / "keep.txt").read_text() == "mine"


def test_missing_extra_is_one_clear_error(model_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` now fails
    with pytest.raises(VnflagError, match=r'pip install "vnflag\[dask\]"'):
        score_file_dask(model_dir, UNLABELLED, tmp_path / "x.csv")
    assert main(["score", str(UNLABELLED), "--model", str(model_dir), "-o", str(tmp_path / "x.csv"),
                 "--engine", "dask"]) == 2
    assert DASK_EXTRA_MESSAGE in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_against_a_scheduler_and_two_workers_started_with_the_dask_cli(model_dir, flagger, tmp_path, capsys):
    dask_cli = Path(sys.executable).with_name("dask")
    if not dask_cli.exists():
        pytest.skip("the dask command is not installed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = [subprocess.Popen([str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                 "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            started.append(subprocess.Popen([str(dask_cli), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                             "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            cwd=tmp_path))
        with distributed.Client(address, timeout="30s") as probe:
            probe.wait_for_workers(2, timeout=60)
        output = tmp_path / "remote.parquet"
        status = main(["score", str(UNLABELLED), "--model", str(model_dir), "-o", str(output),
                       "--engine", "dask", "--scheduler", address, "--chunksize", "40"])
        assert status == 0
        assert "scored 232 rows" in capsys.readouterr().err
        expected = score_frame(flagger, read_bundled("posts_unlabelled.csv"))
        pd.testing.assert_frame_equal(pd.read_parquet(output), expected, check_exact=True)
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_a_worker_with_another_vnflag_version_is_refused_before_any_work(client, flagger, tmp_path, monkeypatch):
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.1" if name == "vnflag" else real(name))  # here only
    installed = re.escape(real("vnflag"))
    with pytest.raises(VnflagError, match=rf"worker tcp://.* has {installed} vnflag; every worker needs vnflag 0\.0\.1"):
        score_file_dask(flagger, UNLABELLED, tmp_path / "x.parquet", scheduler=client.scheduler.address)
    assert not (tmp_path / "x.parquet").exists()
