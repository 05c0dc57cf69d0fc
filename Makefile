# Two commands set everything up on a fresh Debian machine: `make build` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test validate serve clean screenshots bench bench-preview golden fuzz

# The install also compiles builder/_yamldata.c (the fast YAML reader); an editable install does not
# rebuild it when the C file changes, so a change to it installs again.
$(STAMP): pyproject.toml setup.py builder/_yamldata.c
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@$(BIN)/python -c "import builder._yamldata" 2>/dev/null || echo "note: the compiled YAML reader was not built \
	(it needs a C compiler and libyaml-dev: apt-get install gcc libyaml-dev, then rm $(STAMP) && make build); \
	entries are read in Python instead: the same data, about three times slower"
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

# The compiled YAML reader under AddressSanitizer and UBSan, against the Python reader (two minutes).
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz_yamldata.py --seconds 120
