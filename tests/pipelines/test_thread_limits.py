"""OpenMP/BLAS threads follow the number of processes (issue 20, item 5): processes × threads ≤ cores,
set with threadpoolctl in every worker and in this process while the local engine runs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from vnflag.pipelines import engines
from vnflag.pipelines.engines import LocalEngine, threads_per_process


def _threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info()}


def test_workers_and_this_process_get_their_share_of_the_cores(text_flagger, unlabelled, monkeypatch):
    monkeypatch.setattr(engines, "cpu_count", lambda: 4)  # a 4-core machine, 2 processes: 2 threads each
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # the workers' own default would be one per core
    engines.shutdown_workers()
    piece = (unlabelled[["text"]].iloc[:5], "text", 3)
    try:
        with LocalEngine(2) as engine:
            assert len(list(engine.map(text_flagger, [piece, piece]))) == 2
            assert _threads() == {2}  # this process, while the engine runs
            pool = engines._pool_for(1, text_flagger)  # the pool just used (kept for the same model)
            in_worker = pool.submit(threadpool_info).result()
        assert in_worker and {entry["num_threads"] for entry in in_worker} == {2}
        assert {entry["internal_api"] for entry in in_worker} & {"openmp", "openblas", "mkl"}
    finally:
        engines.shutdown_workers()


def test_the_limit_is_lifted_after_the_engine(text_flagger, monkeypatch):
    before = threadpool_info()
    monkeypatch.setattr(engines, "cpu_count", lambda: 3)
    with LocalEngine(1):
        assert _threads() == {3}
    assert threadpool_info() == before


@settings(max_examples=50, deadline=None)
@given(cores=st.integers(1, 64), processes=st.integers(1, 80))
def test_processes_times_threads_never_exceed_the_cores(cores, processes):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engines, "cpu_count", lambda: cores)
        threads = threads_per_process(processes)
    assert threads >= 1 and (processes * threads <= cores or threads == 1)
    assert processes * (threads + 1) > cores  # and no core left idle for want of a thread


def test_training_fits_with_one_thread_per_core_it_may_use(labelled, monkeypatch):
    from vnflag import train_frame
    from vnflag.model.flagger import Flagger

    seen: list[set[int]] = []
    fit = Flagger.fit

    def watched(self, X, y, **fit_params):
        seen.append(_threads())
        return fit(self, X, y, **fit_params)

    monkeypatch.setattr(engines, "cpu_count", lambda: 3)  # e.g. a CPU quota below the machine's cores
    monkeypatch.setattr(Flagger, "fit", watched)
    before = _threads()
    train_frame(labelled, cv=2)
    assert seen == [{3}] and _threads() == before
