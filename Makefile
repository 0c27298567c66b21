# The two commands (see README):
#   make demo   set up a virtual environment and make reels from the bundled sample
#   make test   set up the same environment with the dev extras and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out/sample
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system-deps clean bench sample

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $(STAMP)

setup: $(STAMP)

# Optional system packages: the CJK caption font and the browser for the report test.
# Installed when we are root on Debian/Ubuntu; everything else comes from PyPI.
system-deps:
	@bash scripts/system-deps.sh

demo: setup
	$(BIN)/reelcart run samples/livestream.mp4 --orders samples/orders.csv --catalog samples/catalog.csv --out $(OUT)
	@echo
	@echo "Reels, captions and thumbnails: $(OUT)/"
	@echo "Review page:                    $(OUT)/report.html"

test: setup system-deps
	$(BIN)/python -m pytest -q

# Benchmarks (not tests): each prints a table; see docs/performance.md and the other docs. Generated media is cached in bench/.cache.
bench: setup
	$(BIN)/python -m pip install --quiet -e ".[dev,ray,bench]"
	$(BIN)/python bench/bench_transcribe.py
	$(BIN)/python bench/bench_hints.py
	$(BIN)/python bench/bench_moments.py
	$(BIN)/python bench/bench_reframe.py
	$(BIN)/python bench/bench_render.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_studio.py
	$(BIN)/python bench/bench_e2e.py

sample: setup
	$(BIN)/python samples/generate_sample.py

clean:
	rm -rf out .pytest_cache
