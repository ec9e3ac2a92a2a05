# Custody: the README's commands. Everything runs inside .venv, created on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000
# The compiled XML reader (epcis/_xmlwalk.pyx); epcis falls back to pure Python without it.
XMLWALK := epcis/_xmlwalk$(shell python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

.PHONY: run test bench lint venv init-db clean

venv: $(STAMP) $(XMLWALK)

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

$(XMLWALK): $(STAMP) epcis/_xmlwalk.pyx setup.py
	$(PY) setup.py -q build_ext --inplace
	rm -rf build

init-db: venv
	$(VENV)/bin/flask --app wsgi init-db

run: init-db
	$(VENV)/bin/flask --app wsgi run --host $(HOST) --port $(PORT)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run.py $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build epcis/_xmlwalk.c $(XMLWALK)
