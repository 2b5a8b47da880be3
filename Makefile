# The README's two commands: `make book` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test install bench clean lock

# constraints.txt pins every installed package to the versions the test suite and the rerun checks last passed with.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Build the book. Without PROFILE: the published study (profile cpu, training nothing): the real-data pages
## committed under results/real, shown on the strength of their recorded data checksum when the data is absent
## (each says so), or used and recomputed from the data when ECGSTUDY_DATA points at it.
## PROFILE=demo (or smoke): rerun every notebook at that profile, on the synthetic generator without real data.
book: $(STAMP)
	$(BIN)/ecgstudy book $(if $(PROFILE),--profile $(PROFILE),--profile cpu --no-train)

## Run the test suite (real-data tests run when ECGSTUDY_DATA is set, and are skipped with a reason otherwise).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --durations=15 -rs

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

## Regenerate constraints.txt from the current .venv (after upgrading a dependency and rerunning the tests).
lock: $(STAMP)
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed -E 's/^(torch==[0-9.]+)\+cpu$$/\1/'; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf _build book/generated results/synthetic
