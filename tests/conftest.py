"""Shared fixtures: the bundled data, one model trained on it per test session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = REPO.parent / "shared" / "datasets"
META_COLS = ["num_like", "num_comment", "num_share"]


def read_bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def labelled() -> pd.DataFrame:
    return read_bundled("posts_labelled.csv")


@pytest.fixture(scope="session")
def unlabelled() -> pd.DataFrame:
    return read_bundled("posts_unlabelled.csv")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, labelled) -> Path:
    """A model trained once per session on the bundled labelled posts, with engagement columns."""
    from vnflag import train_file

    directory = tmp_path_factory.mktemp("models") / "model"
    train_file(DATA / "posts_labelled.csv", directory, "text", "label", META_COLS)
    return directory


@pytest.fixture(scope="session")
def text_model_dir(tmp_path_factory) -> Path:
    """A text-only model (no engagement columns), for inputs that have only a text column."""
    from vnflag import train_file

    directory = tmp_path_factory.mktemp("models") / "text_model"
    train_file(DATA / "posts_labelled.csv", directory, "text", "label")
    return directory


@pytest.fixture(scope="session")
def flagger(model_dir):
    from vnflag import load_model

    return load_model(model_dir)


def many_posts_csv(path: Path, copies: int) -> Path:
    """The bundled unlabelled posts repeated ``copies`` times, each copy's text made distinct:
    a file long enough to interrupt while it is being scored."""
    posts = read_bundled("posts_unlabelled.csv")
    big = pd.concat([posts] * copies, ignore_index=True)
    big["text"] = big["text"] + " " + big.index.astype(str)
    big.to_csv(path, index=False)
    return path


def shared_dataset(*parts: str) -> Path:
    """Path into ../shared/datasets, skipping the test when it is absent (a fresh machine)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def text_flagger(text_model_dir):
    from vnflag import load_model

    return load_model(text_model_dir)
