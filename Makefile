# The two front-door commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT := out

.PHONY: demo test test-fast install install-test install-docs docs screenshots bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[test]"

install-docs: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e ".[docs]"

demo: install
	$(BIN)/vnflag train data/posts_labelled.csv --text-col text --label-col label \
		--meta-cols num_like,num_comment,num_share -o $(OUT)/model --overwrite
	$(BIN)/vnflag score data/posts_unlabelled.csv --model $(OUT)/model --text-col text -o $(OUT)/scored.csv
	$(BIN)/vnflag queue $(OUT)/scored.csv --model $(OUT)/model --budget 20 --explore 0.2 -o $(OUT)/queue.csv
	@echo
	@echo "Top of the review queue (scores are requests for a human to look, not verdicts):"
	@$(BIN)/python -c "import pandas as pd; q = pd.read_csv('$(OUT)/queue.csv', dtype=str); q['text'] = q.text.str.replace(chr(10), ' ').str.slice(0, 60) + '…'; print(q[['rank', 'why', 'id', 'score', 'reasons', 'text']].head(12).to_string(index=False))"
	@echo
	@echo "Outputs: model $(OUT)/model (manifest.json, MODEL_CARD.md), scores $(OUT)/scored.csv"
	@echo "         (+ scored.csv.drift.json), review queue $(OUT)/queue.csv for reviewers to fill in 'decision'."
	@echo "Next: vnflag labels import $(OUT)/queue.csv --store $(OUT)/labels.sqlite, then vnflag retrain (see README)."

# The checks first (layers, style, types; each takes seconds), then the tests and the docstring examples.
test: install-test
	$(BIN)/lint-imports
	$(BIN)/ruff check src
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The fast unit set (under a minute): no test marked slow or integration (see tests/conftest.py). One BLAS/OpenMP
# thread: the tests' data are small, and idle threads spinning on a shared machine doubled the wall time.
test-fast: install-test
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q -m "not slow and not integration"

# The documentation site into site/ (open site/index.html). --strict: a broken link, a missing page or a docstring
# the API reference cannot read fails the build. docs/reference/cli.md is generated from `vnflag --help`.
docs: install-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

# The guide's screenshots (docs/img/screenshots/): a real Label Studio server and LibreOffice Calc, driven headless.
# Needs the tools of scripts/docs/install-tools.sh (run it once).
screenshots: install-docs
	$(BIN)/python scripts/docs/screenshots.py

bench: install-test
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/review_loop.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) $(OUT) build dist site src/*.egg-info
