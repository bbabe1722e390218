# Shortcuts for the commands in README.md and evals/README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
MULTIHOP ?= ../shared/bench/multihop

.PHONY: install test eval eval-tricky eval-multihop bench bench-compare

install:
	bash scripts/ensure-chromium && python3 -m venv $(VENV) && $(VENV)/bin/pip install -e ".[test]"

test:
	$(PY) -m pytest

eval:
	$(VENV)/bin/citewise eval --out eval-report

eval-tricky:
	$(VENV)/bin/citewise eval --set evals/sets/tricky.jsonl --out eval-report-tricky

eval-multihop:
	$(VENV)/bin/citewise eval --benchmark multihop --corpus $(MULTIHOP)/articles --set $(MULTIHOP)/queries-dev.jsonl --out eval-multihop

bench:
	$(PY) benchmarks/bench_multihop.py --corpus $(MULTIHOP)

# citewise side by side with LangChain + Chroma (needs the bench or test extra)
bench-compare:
	$(PY) benchmarks/bench_compare.py --corpus $(MULTIHOP)
