#!/bin/bash
# Train several candidate models side by side on a GPU machine with JAX (no TensorFlow there), from the packed
# items of `python -m nk_qrs_lstm.training.train --items-cache .gpu/items ...` (run once where the databases are).
#
# Needs, carried beside the working tree: .gpu/items (train.npz, validation.npz) and .whl (wheels of keras, namex,
# optree, neurokit2, PyWavelets, wfdb for Python 3.12). Writes $OUT/runs.tgz (each run's best.keras, history,
# config, log and pred_jax_gpu.npy: scripts/backend_check.py's output on a seeded input, to check it under
# TensorFlow) and $OUT/device.log.
#   usage: scripts/device_train.sh MINUTES WORKERS NAME:SEED:EXTRA_ARGS [NAME:SEED:EXTRA_ARGS ...]
set -u
minutes=$1; workers=$2; shift 2
log=$OUT/device.log
py=${PYTHON:-python3}  # PYTHON=... NO_INSTALL=1 try it on another machine with its own packages
if [ -z "${NO_INSTALL:-}" ]; then
  $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
{ date; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc
  $py -c "import jax, keras, numpy, neurokit2; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__, 'numpy', numpy.__version__, 'neurokit2', neurokit2.__version__)"
  $py -c "import nk_qrs_lstm.training.train" && echo imports ok; } >>"$log" 2>&1 || { cat "$log"; exit 1; }
common="--epochs 400 --augment v2 --normalisation second --stride 4 --items-cache .gpu/items --workers $workers"
runs=/tmp/runs; rm -rf $runs; mkdir -p $runs
pids=()
for spec in "$@"; do
  IFS=: read -r name seed extra <<<"$spec"
  $py -m nk_qrs_lstm.training.train --out $runs/$name --seed $seed --max-minutes $minutes $common $extra \
    >$runs/$name.log 2>&1 &
  pids+=($!)
done
# a watchdog: whatever happens, leave time to pack the results (best.keras is saved at every improvement)
( sleep $($py -c "print(int($minutes * 60 + 75))"); pkill -f nk_qrs_lstm.training.train ) &
watchdog=$!
wait "${pids[@]}"
kill $watchdog 2>/dev/null
$py scripts/backend_check.py $(dirname $runs/*/best.keras) >>"$log" 2>&1  # pred_jax_gpu.npy in each run
for f in $runs/*.log; do echo "== $f"; grep -E "Epoch|val_loss" "$f" | tail -4; done >>"$log"
tar czf $OUT/runs.tgz -C $runs --exclude backup .
date >>"$log"; tail -40 "$log"
