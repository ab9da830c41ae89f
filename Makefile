# Two commands for readers: `make book` and `make test`. Everything else is set up here.
#
# Order of every build: the Python version is checked, the venv is created (or recreated when it
# was built by another Python) and installed from the hash-locked requirements.txt, the data are
# checked (`python -m mecfs_evidence check-data`), the notebook cache is dropped if anything a
# notebook reads changed, the notebooks are executed in parallel into the cache, and the book is
# built. A data error stops the build with one line (file, row, column) as the last line of output.
SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
LAB_STAMP  := $(VENV)/.lab-installed
INPUTS_SHA := _build/.inputs.sha256
PORT       ?= 8000
# Notebooks executed at once by `make book` (into the cache) and `make notebooks` (in place).
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# INSTALLER=uv (default) or INSTALLER=pip (the plain-pip fallback; slower, same locked pins).
INSTALLER  ?= uv
# uv, pinned with hashes in requirements-uv.txt, lives in a small tools venv shared by every clone
# on this machine (bootstrapped once with pip), so that a new .venv needs no pip of its own.
UV_VERSION := $(shell sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements-uv.txt)
UV_HOME    ?= $(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/mecfs-evidence/uv-$(UV_VERSION)
UV         := $(UV_HOME)/bin/uv
# Oldest Python the locked pins support (soupsieve 4.1 needs 3.11.5).
PY_MIN     := 3.11.5
# Where the notebooks read their data; the cache guard and the data check follow it. A relative
# path is made absolute, because the notebooks run in chapters/.
ifdef MECFS_DATA_DIR
override MECFS_DATA_DIR := $(abspath $(MECFS_DATA_DIR))
export MECFS_DATA_DIR
endif
ifdef MECFS_SOURCES_DIR
override MECFS_SOURCES_DIR := $(abspath $(MECFS_SOURCES_DIR))
export MECFS_SOURCES_DIR
endif
# $(shell ...) does not see exported variables (GNU make < 4.4): pass them by hand.
MECFS_ENV  := $(if $(MECFS_DATA_DIR),MECFS_DATA_DIR='$(MECFS_DATA_DIR)') $(if $(MECFS_SOURCES_DIR),MECFS_SOURCES_DIR='$(MECFS_SOURCES_DIR)')
DATA_DIR   := $(if $(MECFS_DATA_DIR),$(MECFS_DATA_DIR),data)
SOURCES    := $(if $(MECFS_SOURCES_DIR),$(MECFS_SOURCES_DIR),sources)

.PHONY: book test serve lab notebooks clean clean-all install check-python check-data cache-guard lock

# $(call stop-on-stderr,COMMAND): run COMMAND while make expands the recipe; if it writes anything on
# stderr, stop make with that text as its last line (no traceback, no "Error 1" line after it).
define stop-on-stderr
$(eval _stop_msg := $$(shell { $(1) ; true ; } 2>&1 >/dev/null))$(if $(strip $(_stop_msg)),$(error $(_stop_msg)))
endef

# ------------------------------------------------------------------------------------ toolchain
check-python:
	@$(call stop-on-stderr,if command -v $(PYTHON) >/dev/null; then $(PYTHON) tools/checkpython.py $(PY_MIN); else echo "Python $(PY_MIN) or newer is needed and $(PYTHON) was not found; install it and run for example: make PYTHON=python3.11 book" >&2; fi)

install: check-python $(STAMP)

# The venv's Python must be the one $(PYTHON) names (same version); otherwise it is rebuilt.
VENV_PY := $(shell $(BIN)/python -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)
WANT_PY := $(shell $(PYTHON) -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)
ifneq ($(VENV_PY),$(WANT_PY))
$(STAMP): FORCE
endif
FORCE:
.PHONY: FORCE

# Create the venv when missing or built by another Python; reinstall when the lock changes.
# The package itself (-e .) cannot be hashed: it is installed after the lock, with --no-deps.
$(STAMP): requirements.txt requirements-uv.txt pyproject.toml | check-python
	@if [ -d $(VENV) ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)" != "$(WANT_PY)" ]; then \
	  echo "$(VENV) was built by another Python ($$($(BIN)/python --version 2>&1 || echo broken)); recreating it with $(WANT_PY)"; \
	  rm -rf $(VENV); \
	fi
	@rm -f $(STAMP)
ifeq ($(INSTALLER),pip)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
else
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@test -x $(UV) || { echo "installing uv $(UV_VERSION) (pinned, hashed) into $(UV_HOME)"; \
	  $(PYTHON) -m venv $(UV_HOME) && $(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check \
	    --require-hashes -r requirements-uv.txt; }
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
endif
	@touch $(STAMP)

# Regenerate the locks from requirements.in (and requirements-lab.in); existing pins are kept
# unless UPGRADE=1. Needs the network.
lock: $(STAMP)
	$(UV) pip compile requirements.in $(if $(UPGRADE),,--constraint requirements.txt) --generate-hashes \
	  --python-version $(PY_MIN) --custom-compile-command "make lock" --output-file requirements.txt
	$(UV) pip compile requirements-lab.in --constraint requirements.txt $(if $(UPGRADE),,--constraint requirements-lab.txt) \
	  --generate-hashes --python-version $(PY_MIN) --custom-compile-command "make lock" --output-file requirements-lab.txt

# ------------------------------------------------------------------------------------ data
# Every table, checked against its schema, references.bib, the verification log and sources/.
check-data: check-python $(STAMP)
	@$(call stop-on-stderr,mkdir -p _build && $(MECFS_ENV) $(BIN)/python -m mecfs_evidence check-data > _build/.check-data.txt)
	@cat _build/.check-data.txt

# The execution cache keys on a notebook's code cells only. When anything a notebook reads
# changes (the package, the data folder in use, the sources, the bibliography, the locked
# environment, or the MECFS_* variables that point elsewhere), cached outputs could be stale, so
# the cache is dropped and the notebooks run again.
cache-guard:
	@mkdir -p _build
	@new=$$( { printf 'MECFS_DATA_DIR=%s\nMECFS_SOURCES_DIR=%s\n' "$(MECFS_DATA_DIR)" "$(MECFS_SOURCES_DIR)"; \
	  find mecfs_evidence "$(DATA_DIR)" "$(SOURCES)" references.bib requirements.txt pyproject.toml -type f \
	    -not -path '*/__pycache__/*' -not -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -d' ' -f1); \
	old=$$(cat $(INPUTS_SHA) 2>/dev/null); \
	if [ "$$new" != "$$old" ]; then \
	  if [ -d _build/.jupyter_cache ]; then echo "package, data or sources changed: dropping the notebook cache"; fi; \
	  rm -rf _build/.jupyter_cache; echo "$$new" > $(INPUTS_SHA); \
	fi

# ------------------------------------------------------------------------------------ book
book: check-python $(STAMP) check-data cache-guard
	@$(BIN)/python tools/preexecute.py --jobs $(JOBS)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@$(MAKE) --no-print-directory pdf-if-stale
	@echo "Book built: $(CURDIR)/_build/html/index.html"

test: book
	CI=$${CI:-} $(BIN)/python -m pytest tests chapters intro.ipynb --nbval --nbval-sanitize-with tests/sanitize.cfg -p no:cacheprovider

# Re-execute every notebook in place, top to bottom in a fresh kernel, to refresh stored outputs.
# Each notebook runs alone in its own kernel, as before; JOBS of them at a time.
notebooks: check-python $(STAMP) check-data
	@printf '%s\n' intro.ipynb chapters/*.ipynb | xargs -P $(JOBS) -I{} $(SHELL) -c \
	  'echo "executing {}"; $(BIN)/jupyter execute --inplace --timeout=600 "{}" 2>&1 | grep -v "^\[NbClientApp\]\|Kernel is running over TCP" >&2; exit $${PIPESTATUS[0]}'

# Serve the built book. PORT=8123 asks for a port; without PORT the first free port from 8000 on
# is used. A port that is busy is reported in one line.
serve: book
	@$(call stop-on-stderr,$(BIN)/python tools/freeport.py $(PORT) $(if $(filter command line environment,$(origin PORT)),--exact))
	$(eval SERVE_PORT := $$(shell $(BIN)/python tools/freeport.py $(PORT) $(if $(filter command line environment,$(origin PORT)),--exact) 2>/dev/null))
	@echo "Serving the book on http://127.0.0.1:$(SERVE_PORT)/ (Ctrl-C stops)"
	@$(BIN)/python -m http.server $(SERVE_PORT) --bind 127.0.0.1 --directory _build/html >/dev/null

# ------------------------------------------------------------------------------------ JupyterLab
# Optional: JupyterLab, pinned with hashes in requirements-lab.txt, installed on first use.
$(LAB_STAMP): requirements-lab.txt $(STAMP)
ifeq ($(INSTALLER),pip)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-lab.txt
else
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements-lab.txt
endif
	@touch $(LAB_STAMP)

# Open the chapters in JupyterLab with the book's kernel (the venv's Python, package installed).
lab: check-python $(LAB_STAMP) check-data
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $(LAB_ARGS) chapters/

# ------------------------------------------------------------------------------------ cleaning
clean:
	rm -rf _build

clean-all: clean
	rm -rf $(VENV) *.egg-info

# The whole book as one PDF (_build/pdf/book.pdf): the single-page HTML build, printed offline by
# headless Chromium through Playwright's page.pdf, with the print stylesheet in _static/mecfs.css
# (no code, no buttons or sidebars, tables that wrap). A copy goes to _build/html/book.pdf, where
# the landing page links it.
pdf: $(STAMP) cache-guard
	$(BIN)/jupyter-book build . --builder singlehtml -n --keep-going
	$(BIN)/python _ext/print_pdf.py _build/singlehtml _build/pdf/book.pdf
	@if [ -d _build/html ]; then cp _build/pdf/book.pdf _build/html/book.pdf; fi
	@$(PDF_KEY) > _build/pdf/.key
	@echo "PDF: $(CURDIR)/_build/pdf/book.pdf"

# `make book` ends here: the landing page links book.pdf, so the PDF is rebuilt when anything it
# is made from changed (the notebooks, pages, configuration, theme files and everything a notebook
# reads), and otherwise only copied, so that a rebuild with nothing changed stays fast.
PDF_KEY = { cat $(INPUTS_SHA); git ls-files -co --exclude-standard -- '*.ipynb' '*.md' _config.yml _toc.yml _static _ext \
  2>/dev/null | grep -v '^_build/' | LC_ALL=C sort | xargs sha256sum 2>/dev/null; } | sha256sum | cut -d' ' -f1
pdf-if-stale:
	@if [ -f _build/pdf/book.pdf ] && [ "$$($(PDF_KEY))" = "$$(cat _build/pdf/.key 2>/dev/null)" ]; then \
	  cp _build/pdf/book.pdf _build/html/book.pdf; echo "PDF up to date: $(CURDIR)/_build/pdf/book.pdf"; \
	else $(MAKE) --no-print-directory pdf; fi
.PHONY: pdf pdf-if-stale
