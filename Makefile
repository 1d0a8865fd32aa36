# Two entry points, each working from a fresh clone with only Python 3.10+:
#   make demo   install the package, train and score on the default corpus on
#               this machine, print the table; files go to demo-results/
#   make test   install with the test extras and run the test suite (+ asv quick)
# Installs into the active virtual environment if there is one, else into
# .venv (created here, so a PEP 668 "externally managed" Python still works).
# Reinstalls only when setup.cfg or pyproject.toml changed (stamp files).

PYTHON ?= python3
ifdef VIRTUAL_ENV
VENV := $(VIRTUAL_ENV)
else
VENV := $(CURDIR)/.venv
endif
PY := $(VENV)/bin/python
STAMPS := $(VENV)/.music-baselines-stamps
DEPS := setup.cfg pyproject.toml

# numba (inside librosa) compiles on first use: ~28 s cold, ~4 s warm.  Keep
# its cache in a persistent, writable place.
XDG_CACHE_HOME ?= $(HOME)/.cache
export NUMBA_CACHE_DIR ?= $(XDG_CACHE_HOME)/music-baselines/numba
# One BLAS thread: on 2 cores, two threads were slower almost everywhere
# (PERFORMANCE_NOTES.md); joblib processes parallelise across recordings.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

# A CPU build of torch for the CNN tests.  A plain `pip install torch` on
# Linux pulls a multi-GB CUDA build: take the CPU wheel that lies on this
# kind of machine's disk when it is there, else PyTorch's CPU-only index.
TORCH_LOCAL := $(firstword $(wildcard /opt/wheels/torch-2.13.0*cpu*.whl))
ifneq ($(TORCH_LOCAL),)
TORCH_SPEC ?= torch==2.13.0
else
TORCH_SPEC ?= torch --index-url https://download.pytorch.org/whl/cpu
endif

DEMO_ARGS ?=
# The demo computes on this machine: its runs go to a git-ignored folder, so
# the points committed under results/ (computed elsewhere) are never reused.
DEMO_OUT ?= demo-results

# Classical rows use grouped CV on the embedded corpus (the default protocol);
# SGD on the study's spectrograms uses the official split, as the CNN does, so
# the two are scored on the same held-out windows.
# Every number under results/: each classical model on each task (and SGD on
# the study's spectrogram images), the small CNN (the study's full network where a GPU is present), the performance
# report, then the tables.  Seeds are the commands' defaults, recorded in
# each run.json.
RESULT_MODELS ?= dummy dummy-stratified knn adaboost adaboost-logistic sgd-perceptron sgd-hinge sgd-log sgd-modified-huber
RESULT_TASKS ?= composer instruments joint
# One seed per fold: under grouped CV the spread that matters is over works
# (each number carries its bootstrap interval over them), and five folds of
# five sizes are already 25 fits per run; --n-seeds 3 triples that.
RESULT_ARGS ?= --n-seeds 1 --n-jobs 2 --no-progress
# Genre and affect on the embedded style corpus (audio reader), the classical
# genre models on its precomputed arrays too, and the torch references.
GENRE_MODELS ?= dummy dummy-stratified knn adaboost adaboost-logistic sgd-perceptron sgd-hinge sgd-log sgd-modified-huber
# The reference rows (the studies' SVM and logistic regression), their C
# chosen by grouped CV over the training groups of each fold (--tune).
GENRE_TUNED_MODELS ?= logreg svc-rbf
AFFECT_MODELS ?= dummy knn adaboost sgd-squared-error sgd-huber sgd-epsilon-insensitive random-forest
# Grouped CV by piece (the default on the embedded corpus), one seed per fold
# as for the window tasks above.
GENRE_ARGS ?= --n-seeds 1 --n-jobs 2 --eval-windows 20 --no-progress
# The targets-only arrays have one class to balance over, so their default
# epoch would be 255 windows: --windows-per-epoch 1785 matches the 7 styles'.
# The small CNN takes about a minute an epoch on a shared 2-core CPU.
GENRE_CNN_EPOCHS ?= 8
# Reference rows (issue 10), tuned by grouped CV inside each training set.
RESULT_TUNED_MODELS ?= logreg svc-rbf random-forest
# The chords task (frames of the embedded chord corpus, scored on whole test
# tracks): the template floor and the classical models, one seed each (a
# frame curve fits on tens of thousands of frames), sgd-log also with its
# majority chord classes undersampled, and the chord network.
CHORD_MODELS ?= template dummy knn adaboost sgd-perceptron sgd-hinge sgd-log sgd-modified-huber

# The GPU-bound comparison (issue 14; README "Results on a GPU"): every torch
# reference at its study preset on a CUDA device, the throughput report, then
# the tables.  The study's network trains GPU_EPOCHS epochs, then as many
# again from its checkpoint (--resume also picks up an interrupted run).
GPU_EPOCHS ?= 50
GPU_DEVICE ?= cuda

.PHONY: demo test results gpu-results install install-test clean-stamps

demo: $(STAMPS)/core
	$(PY) -m baselines.data.render
	$(PY) -m baselines.learning_curve knn --out $(DEMO_OUT) $(DEMO_ARGS)
	$(PY) -m baselines.report --results $(DEMO_OUT)
	@echo "demo run files: $(DEMO_OUT)/ (git-ignored; rerun to resume, delete it to start over)"

test: $(STAMPS)/test
	$(PY) -m pytest
	$(PY) -m performance_report.asv_check

results: $(STAMPS)/test
	set -e; for task in $(RESULT_TASKS); do for model in $(RESULT_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task $$task $(RESULT_ARGS); \
	done; done
	set -e; for model in $(RESULT_TUNED_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task composer --tune $(RESULT_ARGS); \
	done
	$(PY) -m baselines.grouped_cv --tune --out results/ablation
	$(PY) -m baselines.learning_curve sgd-hinge --features spectrogram-128 --task composer --protocol official --no-progress --n-jobs 2
	set -e; for model in $(CHORD_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task chords --n-seeds 1 --no-progress; \
	done
	$(PY) -m baselines.learning_curve sgd-log --task chords --n-seeds 1 --balance cap:2000 --no-progress
	$(PY) -m baselines.cnn --task chords --device auto --no-progress
	$(PY) -m baselines.cnn --task composer --device auto --no-progress
	$(PY) -m baselines.cnn --task joint --device auto --no-progress
	set -e; for model in $(GENRE_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task genre --dataset styles $(GENRE_ARGS); \
	  $(PY) -m baselines.learning_curve $$model --task genre --dataset spectrograms $(GENRE_ARGS); \
	done
	set -e; for model in $(GENRE_TUNED_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task genre --dataset styles --tune $(GENRE_ARGS); \
	  $(PY) -m baselines.learning_curve $$model --task genre --dataset spectrograms --tune \
	    $(GENRE_ARGS); \
	done
	set -e; for model in $(AFFECT_MODELS); do \
	  $(PY) -m baselines.learning_curve $$model --task affect --dataset styles $(GENRE_ARGS); \
	  $(PY) -m baselines.learning_curve $$model --task affect --dataset spectrograms-targets \
	    --windows-per-epoch 1785 $(GENRE_ARGS); \
	done
	set -e; for task in genre affect; do \
	  $(PY) -m baselines.cnn.genre --task $$task --network lstm --device auto --no-progress; \
	  $(PY) -m baselines.cnn.genre --task $$task --network cnn --epochs $(GENRE_CNN_EPOCHS) \
	    --device auto --no-progress; \
	done
	$(PY) -m performance_report
	$(PY) -m baselines.report --readme README.md

gpu-results: $(STAMPS)/gpu
	$(PY) -c "import sys, torch; torch.cuda.is_available() or sys.exit(\
	  'make gpu-results needs a CUDA device; torch ' + torch.__version__ + \
	  ' (CUDA ' + str(torch.version.cuda) + ') sees none (a CPU build of torch? '\
	  'reinstall it from https://download.pytorch.org/whl/cu124)')"
	$(PY) -m baselines.data.render
	set -e; for task in composer joint; do \
	  $(PY) -m baselines.cnn --task $$task --preset study --device $(GPU_DEVICE) \
	    --epochs $(GPU_EPOCHS) --resume --no-progress; \
	  $(PY) -m baselines.cnn --task $$task --preset study --device $(GPU_DEVICE) \
	    --epochs $$((2 * $(GPU_EPOCHS))) --resume --no-progress; \
	done
	$(PY) -m baselines.cnn --task chords --preset study --device $(GPU_DEVICE) --no-progress
	set -e; for task in genre affect; do for network in cnn lstm; do \
	  $(PY) -m baselines.cnn.genre --task $$task --network $$network --preset study \
	    --device $(GPU_DEVICE) --no-progress; \
	done; done
	$(PY) -m performance_report.cnn_throughput --preset study --device $(GPU_DEVICE) --profile
	$(PY) -m baselines.report --readme README.md

install: $(STAMPS)/core
install-test: $(STAMPS)/test

$(PY):
	$(PYTHON) -m venv "$(VENV)" || $(PYTHON) -m virtualenv "$(VENV)"
	$(PY) -m pip install --upgrade pip "setuptools>=64" wheel

$(STAMPS)/core: $(DEPS) | $(PY)
	$(PY) -m pip install -e .
	mkdir -p "$(STAMPS)" && touch "$@"

$(STAMPS)/test: $(DEPS) | $(PY)
	$(PY) -m pip install -e ".[test]"
	$(PY) -m pip install $(TORCH_SPEC)
	mkdir -p "$(STAMPS)" && touch "$@" "$(STAMPS)/core"

# torch from PyPI: on Linux its default wheel is the CUDA build.
$(STAMPS)/gpu: $(DEPS) | $(PY)
	$(PY) -m pip install -e ".[cnn]"
	mkdir -p "$(STAMPS)" && touch "$@" "$(STAMPS)/core"

clean-stamps:
	rm -rf "$(STAMPS)"
