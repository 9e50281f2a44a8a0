# The two set-up commands of the README. Each creates .venv when missing and installs what
# it needs, so either works first on a fresh machine with Python 3.11 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT := out/leuven_starry_night.png

.PHONY: demo test test-ray install-dev browser ffmpeg

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

## make demo: install styletools and stylise a bundled photo with a bundled painting.
demo: $(BIN)/pip
	$(BIN)/pip install -q -e ".[cli]"
	$(BIN)/styletools transfer gallery/examples/content/leuven.jpg \
		gallery/examples/style/starry_night.jpg -o $(DEMO_OUT) --seed 0 --overwrite

## make test: install the development extras, a browser and ffmpeg, then run the whole test suite.
test: install-dev browser ffmpeg
	$(BIN)/pytest

## make test-ray: only the real-Ray tests (local Ray, a two-node cluster, worker and driver kills).
test-ray: install-dev
	$(BIN)/pytest -m ray

install-dev: $(BIN)/pip
	$(BIN)/pip install -q -e ".[dev]"

# The browser test drives Debian's chromium; Playwright never downloads one of its own.
browser:
	@command -v chromium >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The video tests make their clips with Debian's ffmpeg (styletools itself reads and writes
# video through PyAV's own libraries and needs no ffmpeg command).
ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg; }
