# Two commands for readers: `make book` and `make test`. Everything else is set up here.
SHELL      := /bin/bash
PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
INPUTS_SHA := _build/.inputs.sha256
PORT       ?= 8000

.PHONY: book test serve notebooks clean clean-all install

install: $(STAMP)

# Create the venv when missing; reinstall when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# The execution cache keys on a notebook's code cells only. When the package or the data
# change, a cached output could be stale, so the cache is dropped and notebooks re-run.
cache-guard:
	@mkdir -p _build
	@new=$$(find mecfs_evidence data references.bib -type f \( -name '*.py' -o -name '*.csv' -o -name '*.json' -o -name '*.bib' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1); \
	old=$$(cat $(INPUTS_SHA) 2>/dev/null); \
	if [ "$$new" != "$$old" ]; then \
	  if [ -d _build/.jupyter_cache ]; then echo "package or data changed: dropping the notebook cache"; fi; \
	  rm -rf _build/.jupyter_cache; echo "$$new" > $(INPUTS_SHA); \
	fi
.PHONY: cache-guard

book: $(STAMP) cache-guard
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "Book built: $(CURDIR)/_build/html/index.html"

test: book
	CI=$${CI:-} $(BIN)/python -m pytest tests chapters intro.ipynb --nbval --nbval-sanitize-with tests/sanitize.cfg -p no:cacheprovider

# Re-execute every chapter in place, top to bottom in a fresh kernel, to refresh stored outputs.
notebooks: $(STAMP)
	@for nb in intro.ipynb chapters/*.ipynb; do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter execute --inplace --timeout=600 "$$nb" || exit 1; \
	done

serve: book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

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
	@echo "PDF: $(CURDIR)/_build/pdf/book.pdf"
.PHONY: pdf
