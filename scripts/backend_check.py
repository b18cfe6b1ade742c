"""Does a trained ``.keras`` model load and compute the same under every Keras backend?

For each run folder, predicts a seeded input (normal noise, 2 x 2048 x 1, seed 0) with ``best.keras`` under the
current backend (``KERAS_BACKEND``) on its first device, saves it as ``pred_<backend>_<device>.npy`` in the folder
and prints the largest difference from every other ``pred_*.npy`` there::

    KERAS_BACKEND=jax python scripts/backend_check.py runs/gpu1/*/     # JAX on this CPU
    python scripts/backend_check.py runs/gpu1/*/                       # TensorFlow: compared with the above

``scripts/device_train.sh`` runs it on the GPU machine (``pred_jax_gpu.npy``; the first runs of 2026-11-30 wrote
the same as ``pred_jax.npy``). JAX computes float32 products in TF32 there: differences of ~1e-3 from it are the
GPU's arithmetic; between backends on the CPU a model that loads as trained agrees to ~1e-6.
"""

import glob
import os
import sys

import keras
import numpy as np


def device():
    """``"gpu"`` or ``"cpu"``: where the current backend computes."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.devices()[0].platform
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
    return "cpu"


def main(folders):
    x = np.random.default_rng(0).standard_normal((2, 2048, 1)).astype("float32")
    name = f"pred_{keras.backend.backend()}_{device()}.npy"
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
