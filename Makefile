# Two commands set everything up on a fresh Debian machine: `make build` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test validate serve clean screenshots bench bench-preview golden

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/slm-survey validate
	$(BIN)/slm-survey build

validate: $(STAMP)
	$(BIN)/slm-survey validate

test: $(STAMP)
	$(BIN)/python -m pytest -q -rs

serve: $(STAMP)
	$(BIN)/slm-survey serve

screenshots: $(STAMP) build
	$(BIN)/python -m builder.screenshots

clean:
	rm -rf site build .pytest_cache docs/survey

golden: $(STAMP)
	$(BIN)/python tests/golden_outputs.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-preview: $(STAMP)
	$(BIN)/python benchmarks/preview.py --size 1000 --edits 5
	$(BIN)/python benchmarks/preview.py --size 1000 --edits 5 --dirty
