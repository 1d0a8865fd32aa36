#!/usr/bin/env bash
# One device call of issue 14 (the GPU-bound comparison), run from the repo root on the
# lent CUDA machine.  Usage: bash .gpu/run.sh MODE [SECONDS]
#   validate  install, import check, small corpora, 1-epoch study CNN, short throughput
#   chords    validate's install, then the chord corpus and the chord network's full preset
#   main      the default corpus, the study CNN on composer and joint (50 then 100 epochs,
#             --resume), then what genre does while time is left
#   explore   the throughput figures (plain with --profile, channels-last, batch 128 and 512,
#             torch.compile, compile + channels-last + batch 128)
#   genre     the style corpus and the genre/affect CNN and LSTM, full (study) preset
# SECONDS: the time this call may spend (default 560); a stage starts only with time left
# and runs under `timeout`, so results are always tarred into $OUT before the limit.
# Needs: .gpu/wheels, cp312 wheels of what the device's python (torch image) lacks, made here:
#   python -m pip download --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
#     --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64 --no-deps -d .gpu/wheels \
#     librosa==0.11.0 soundfile==0.14.0 soxr==1.1.0 imbalanced-learn==0.14.2 sklearn-compat==0.1.6 \
#     music21==10.5.1 pretty_midi==0.2.11.post0 importlib_resources==7.1.0 midirenderer==0.1.3 \
#     mido==1.3.3 platformdirs==4.14.7 audioread==3.1.0 pooch==1.9.0 decorator==5.3.1 \
#     jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 \
#     mir_eval==0.8.2 chardet==7.7.0 jsonpickle==4.1.4 more-itertools==11.2.1 webcolors==25.10.0 \
#     cffi==2.1.1 pycparser==3.12
# and .gpu/*.patch: fixes not yet on main.  The call (device tool `run`, carry [".gpu"]):
#   bash .gpu/run.sh MODE SECONDS
set -u
MODE=${1:-validate}
BUDGET=${2:-560}
T0=$SECONDS
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
export MUSIC_BASELINES_CACHE=/tmp/mb-cache NUMBA_CACHE_DIR=/tmp/mb-numba MPLBACKEND=Agg
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT" "$MUSIC_BASELINES_CACHE" "$NUMBA_CACHE_DIR"
PY=python3
LOG=$OUT/log.txt
exec > >(tee -a "$LOG") 2>&1

left() { echo $((BUDGET - (SECONDS - T0))); }
stage() {  # stage NAME MIN_SECONDS CMD...: run CMD under timeout if MIN_SECONDS remain
  local name=$1 need=$2; shift 2
  local l; l=$(left)
  if [ "$l" -lt "$need" ]; then echo "=== SKIP $name: $l s left, needs $need"; return 99; fi
  echo "=== $(date -u +%H:%M:%S) START $name ($l s left): $*"
  local s=$SECONDS
  timeout --signal=INT --kill-after=10 $((l - 15)) "$@"; local rc=$?
  echo "=== $(date -u +%H:%M:%S) END $name rc=$rc in $((SECONDS - s)) s"
  return $rc
}
pack() {  # the run folders and throughput files, one archive (8 files at most come back)
  (cd results 2>/dev/null && tar czf "$OUT/runs.tar.gz" --exclude=checkpoint.pt \
     $(ls -d cnn-study-* cnn-*-chords-* *-study-genre-* *-study-affect-* gpu_throughput* 2>/dev/null \
       | grep -v '^cnn-small-') 2>/dev/null)
  [ -d /tmp/val ] && tar czf "$OUT/val.tar.gz" --exclude=checkpoint.pt -C /tmp val 2>/dev/null
  true
}

echo "=== mode $MODE budget $BUDGET s, $(date -u)"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv
s=$SECONDS
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --find-links .gpu/wheels \
  .gpu/wheels/*.whl || { echo "wheel install failed"; exit 3; }
$PY -m pip install -q --no-index --no-deps --no-build-isolation -e . >/dev/null 2>&1 \
  || echo "editable install failed (PYTHONPATH=$PWD serves instead)"
echo "=== installed in $((SECONDS - s)) s"
# fixes not yet on main, carried as patches; applied only where not applied yet (a second
# run.sh in one call, or a tree already patched, is left as it is)
for p in .gpu/*.patch; do
  [ -e "$p" ] || continue
  if git apply --check "$p" 2>/dev/null; then git apply "$p" && echo "applied $p"
  elif patch -p1 -N --dry-run < "$p" >/dev/null 2>&1; then patch -p1 -N < "$p"
  else echo "not applied (already in the tree?): $p"; fi
done
$PY - <<'EOF' || exit 4
import importlib, torch
for m in ("librosa", "soundfile", "soxr", "music21", "pretty_midi", "midirenderer", "mido",
          "mir_eval", "imblearn", "jsonschema", "platformdirs", "baselines.cnn.run",
          "baselines.cnn.chord_run", "baselines.data.render", "baselines.data.chord_corpus",
          "performance_report.cnn_throughput", "benchmarks.bench_cnn", "baselines.records"):
    importlib.import_module(m)
print("imports ok; torch", torch.__version__, "cuda", torch.version.cuda,
      torch.cuda.get_device_name(0), "bf16", torch.cuda.is_bf16_supported())
EOF

genre_runs() {  # the style corpus, then the genre/affect CNN and LSTM (full, study preset)
  # librosa's beat tracker (numba guvectorize, cache=True) segfaulted in all 16 workers of a
  # fresh machine's first style-corpus build (call of 09:40 UTC); compile it once in one
  # process first, so the workers only read the cache, and stop here if even that fails.
  stage beat-warmup 60 $PY -c "
import numpy as np, numba, llvmlite, librosa
print('numba', numba.__version__, 'llvmlite', llvmlite.__version__, 'numpy', np.__version__)
y = np.random.default_rng(0).standard_normal(22050 * 10).astype(np.float32)
print('beats', len(librosa.beat.beat_track(y=y, sr=22050)[1]))" || return 0
  stage style-corpus 60 $PY -m baselines.data.style_corpus --n-jobs 16 --no-progress || return 0
  stage genre-cnn 30 $PY -m baselines.cnn.genre --task genre --network cnn --preset study \
    --device cuda --no-progress && pack
  stage affect-cnn 30 $PY -m baselines.cnn.genre --task affect --network cnn --preset study \
    --device cuda --no-progress && pack
  stage genre-lstm 30 $PY -m baselines.cnn.genre --task genre --network lstm --preset study \
    --device cuda --no-progress && pack
  stage affect-lstm 30 $PY -m baselines.cnn.genre --task affect --network lstm --preset study \
    --device cuda --no-progress && pack
}

case $MODE in
validate)
  stage render-small 30 $PY -m baselines.data.render --small --n-jobs 16 --no-progress
  stage cnn-study-composer-small-1ep 30 $PY -m baselines.cnn --task composer --preset study \
    --dataset small --epochs 1 --device cuda --results /tmp/val --no-progress
  stage throughput-short 30 $PY -m performance_report.cnn_throughput --preset study \
    --device cuda --steps 50 --warmup 10 --profile 5 --out /tmp/val/gpu_throughput
  stage pytest-cuda 30 $PY -m pytest -q -p no:cacheprovider tests/test_cnn.py -k audio_bank
  [ "${WITH_CHORD_SMALL:-0}" = 1 ] && {
  stage chord-small 30 $PY -m baselines.data.chord_corpus --small --n-jobs 16 --no-progress
  stage cnn-chords-small-1ep 30 $PY -m baselines.cnn --task chords --dataset chords-small \
    --preset study --epochs 1 --device cuda --results /tmp/val --no-progress; }
  pack
  ;;
chords)
  stage chord-corpus 60 $PY -m baselines.data.chord_corpus --n-jobs 16 --no-progress
  stage chord-frames 60 $PY -c "
from features.context import FrameContext
from baselines.datasets import load_dataset
data = load_dataset('chords', seed=0, progress=False)
ex = FrameContext(kind='logcqt', context=7)
items = data.frame_items(list(data.train) + list(data.test), ex, n_jobs=16, progress=False)
print(len(items), 'tracks of log-CQT frames cached')"
  stage cnn-chords 60 $PY -m baselines.cnn --task chords --preset study --device cuda --no-progress
  pack
  ;;
main)
  stage render 60 $PY -m baselines.data.render --n-jobs 16 --no-progress
  for task in composer joint; do
    stage cnn-$task-50 60 $PY -m baselines.cnn --task $task --preset study --device cuda \
      --epochs 50 --resume --no-progress && pack
    stage cnn-$task-100 60 $PY -m baselines.cnn --task $task --preset study --device cuda \
      --epochs 100 --resume --no-progress && pack
  done
  [ "${WITH_GENRE:-1}" = 1 ] && genre_runs
  ;;
explore)  # the throughput figures: synthetic audio, so independent of the corpus
  T=performance_report.cnn_throughput
  stage throughput 45 $PY -m $T --preset study --device cuda --profile; pack
  stage throughput-cl 30 $PY -m $T --preset study --device cuda --channels-last \
    --out results/gpu_throughput_channels_last; pack
  stage throughput-b128 30 $PY -m $T --preset study --device cuda --batch-size 128 \
    --out results/gpu_throughput_batch128; pack
  stage throughput-b512 30 $PY -m $T --preset study --device cuda --batch-size 512 --steps 50 \
    --out results/gpu_throughput_batch512; pack
  stage throughput-compile 90 $PY -m $T --preset study --device cuda --compile \
    --out results/gpu_throughput_compile; pack
  stage throughput-compile-cl-b128 90 $PY -m $T --preset study --device cuda --compile \
    --channels-last --batch-size 128 --out results/gpu_throughput_compile_cl_batch128; pack
  ;;
genre)
  genre_runs
  ;;
esac
pack
echo "=== done in $((SECONDS - T0)) s"; ls -la "$OUT"
