"""Does a trained ``.keras`` model load and compute the same under every Keras backend?

For each run folder, predicts the seeded input of ``scripts/device_train.sh`` (normal noise, 2 x 2048 x 1, seed 0)
with ``best.keras`` under the current backend (``KERAS_BACKEND``), saves it as ``pred_<backend>_<device>.npy`` in
the folder and prints the largest difference from every other ``pred_*.npy`` there::

    KERAS_BACKEND=jax python scripts/backend_check.py runs/gpu1/*/     # JAX on this CPU
    python scripts/backend_check.py runs/gpu1/*/                       # TensorFlow: compared with the above

The device script's own file (``pred_jax.npy``) was computed on the GPU, in TF32: differences of ~1e-3 from it
are the GPU's arithmetic; between backends on the CPU a model that loads as trained agrees to ~1e-6.
"""

import glob
import os
import sys

import keras
import numpy as np


def main(folders):
    x = np.random.default_rng(0).standard_normal((2, 2048, 1)).astype("float32")
    name = f"pred_{keras.backend.backend()}_cpu.npy"
    for folder in folders:
        model = keras.saving.load_model(os.path.join(folder, "best.keras"), compile=False)
        pred = np.asarray(model.predict(x, verbose=0))
        np.save(os.path.join(folder, name), pred)
        for other in sorted(glob.glob(os.path.join(folder, "pred_*.npy"))):
            if os.path.basename(other) != name:
                diff = float(np.abs(np.load(other) - pred).max())
                print(f"{folder}: {name} vs {os.path.basename(other)}: max |difference| {diff:.2g}")


if __name__ == "__main__":
    main(sys.argv[1:])
