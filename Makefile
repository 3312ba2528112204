# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CLI := $(VENV)/bin/policy-assistant
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install index run test bench eval eval-anchors clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first: the local CPU wheel (otherwise pip pulls several GB of CUDA packages)
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

index/records.sqlite3: | install
	$(CLI) ingest

index: index/records.sqlite3

run: install index
	$(CLI) serve

test: install
	$(PY) -m pytest

bench: install index
	$(PY) benchmarks/bench_answer.py

# the policy-change gate (docs/CI.md): re-index, compare with the saved baseline, fail on a drop
eval: install
	$(CLI) ingest
	$(CLI) eval --baseline eval/baselines/baseline.json --out eval/reports/latest \
	  --fail-under district_ruling_accuracy=0.80 --fail-under unsafe_rulings=2 --allow-stale

eval-anchors: install index
	$(CLI) eval --systems ours,llamaindex-default,bm25

clean:
	rm -rf $(VENV) index/chroma index/records.sqlite3 index/clauses.json
