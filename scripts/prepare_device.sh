#!/bin/bash
# Prepare here what scripts/device_train.sh needs beside the working tree on a GPU machine (which has JAX, NumPy,
# SciPy and pandas, not this package's other dependencies, and no network):
#   .gpu/items/{train,validation}.npz  the model-rate training and validation leads of the split, with their labels
#                                      (nk_qrs_lstm.training.train.cached_items; rebuilt if the split's records differ)
#   .whl/                              wheels for the device's Python (default 3.12) of keras (this machine's version,
#                                      so a model trained there loads here), namex, optree, neurokit2, PyWavelets, wfdb
# Both are git-ignored (the items derive from the databases: never commit them); give them to the device tool as
# carry: [".gpu", ".whl"] (about 27 MB).
#   usage: scripts/prepare_device.sh [PYTHON_VERSION]
set -eu
pyver=${1:-3.12}
python - <<'EOF'
import os

from nk_qrs_lstm.training import datasets
from nk_qrs_lstm.training.train import cached_items

splits = datasets.load_splits()
for part in ("train", "validation"):
    records = {db: splits[db][part] for db in ("ludb", "qtdb")}
    items = cached_items(records, datasets.DEFAULT_LUDB, datasets.DEFAULT_QTDB, os.path.join(".gpu", "items", f"{part}.npz"))
    print(f".gpu/items/{part}.npz: {len(items)} leads")
EOF
keras=$(python -c "import keras; print(keras.__version__)")
rm -rf .whl  # one version of each wheel: two would stop the install on the device
python -m pip download -q --only-binary=:all: --no-deps --python-version "$pyver" --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any -d .whl \
  "keras==$keras" namex optree neurokit2 PyWavelets wfdb
ls -l .whl .gpu/items
