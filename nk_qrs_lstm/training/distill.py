"""Knowledge distillation: a trained network's probabilities as (part of) the training targets.

A cheaper network (e.g. one more strided convolution, so its recurrent layers run half the steps) learns from the
expert labels and from the per-sample probabilities of a trained one on the very same augmented crop: those say
where a boundary lies between two samples and how sure the trained network is, and they also cover the unlabelled
edges of LUDB's leads, which the labels leave out of the loss [1]_.

The teacher's errors are learned too: with crops it never saw (e.g. ``--augment v8``'s P waves taken out, where a
network trained without them invents P waves) keep ``label_share`` high, or give ``disagreement="labels"``: a
labelled sample whose class the teacher gets wrong (its most probable class is not the label's) then has the
label alone as its target, so the teacher anchors the student only where it agrees with the labels (mostly away
from wave boundaries: on ordinary leads 82 % of the disagreeing samples lie within 20 ms of one).

References
----------
.. [1] Hinton, G., Vinyals, O., & Dean, J. (2015). Distilling the knowledge in a neural network. arXiv:1503.02531.
"""

import os

import numpy as np

from ..defaults import CLASSES
from ..runtime import CARD_FILE
from ..runtime import normalisation as runtime_normalisation


class Teacher:
    """The probabilities of an exported (ONNX) network on model-rate, normalised windows.

    Parameters
    ----------
    path : str
        An ONNX file written by :mod:`nk_qrs_lstm.training.export` (input ``"ecg"``, ``(batch, time, 1)``).
    threads : int
        ONNX Runtime threads (the training framework has its own).
    """

    def __init__(self, path, threads=1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.path = path
        self.session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])

    def __call__(self, x):
        """Probabilities ``(batch, time, len(CLASSES))`` of the windows ``x`` ``(batch, time, 1)``."""
        return self.session.run(None, {"ecg": np.asarray(x, dtype=np.float32)})[0]


def check_teacher(path, label_share, normalisation, disagreement="mix"):
    """Validate a distillation's parameters once, before any data is read.

    The teacher must exist, and where a model card lies beside it (an exported folder) its input normalisation
    must be the one the student is trained with: the teacher would otherwise see windows scaled unlike its own
    training's.

    Raises
    ------
    ValueError
        Naming the parameter, the rule and the value.
    """
    if not os.path.isfile(path):
        raise ValueError(f"teacher == {path!r}: no such file (an ONNX network written by nk-qrs-lstm export).")
    _check_share(label_share, disagreement)
    folder = os.path.dirname(os.path.abspath(path))
    card = os.path.join(folder, CARD_FILE)
    if os.path.isfile(card):
        theirs = runtime_normalisation(folder)
        if theirs != normalisation:
            raise ValueError(f"normalisation == {normalisation!r}, must be the teacher's ({theirs!r}, from {card}).")


#: What the target of a labelled sample is where the teacher's most probable class is not the label's.
DISAGREEMENTS = ("mix", "labels")


def _check_share(label_share, disagreement="mix"):
    if not 0 <= label_share <= 1:
        raise ValueError(f"label_share == {label_share!r}, must be within [0, 1].")
    if disagreement not in DISAGREEMENTS:
        raise ValueError(f"disagreement == {disagreement!r}, must be one of {DISAGREEMENTS}.")


def soft_targets(y, weight, teacher_p, label_share=0.5, unlabelled_weight=1.0, disagreement="mix"):
    """Mix one-hot labels with a teacher's probabilities.

    Parameters
    ----------
    y : ndarray of int, shape (..., time)
        Classes, as :func:`~nk_qrs_lstm.training.crops.targets` returns them.
    weight : ndarray, shape (..., time)
        Their sample weights; 0 marks an unlabelled sample.
    teacher_p : ndarray, shape (..., time, n_classes)
        The teacher's probabilities on the same input.
    label_share : float in [0, 1]
        Share of the one-hot label in the target of a labelled sample (1: labels only, 0: teacher only).
    unlabelled_weight : float
        Sample weight of unlabelled samples, whose target is the teacher's alone (0: left out, as without a
        teacher).
    disagreement : {"mix", "labels"}
        Target of a labelled sample whose label is not the teacher's most probable class: the same mixture as
        elsewhere (``"mix"``), or the one-hot label alone (``"labels"``: the teacher is trusted only where it is
        right, e.g. on crops edited into what it never learned).

    Returns
    -------
    target : ndarray of float32, shape (..., time, n_classes)
    weight : ndarray of float32, shape (..., time)

    Examples
    --------
    >>> p = np.array([[[0.6, 0.4, 0.0, 0.0], [0.1, 0.0, 0.9, 0.0]]])
    >>> t, w = soft_targets(np.array([[1, 0]]), np.array([[1.0, 0.0]]), p, label_share=0.5)
    >>> t.astype(float).round(2).tolist(), w.tolist()
    ([[[0.3, 0.7, 0.0, 0.0], [0.1, 0.0, 0.9, 0.0]]], [[1.0, 1.0]])
    >>> t, _ = soft_targets(np.array([[1, 0]]), np.array([[1.0, 0.0]]), p, disagreement="labels")
    >>> t[0, 0].tolist()
    [0.0, 1.0, 0.0, 0.0]
    """
    _check_share(label_share, disagreement)
    if unlabelled_weight < 0:
        raise ValueError(f"unlabelled_weight == {unlabelled_weight!r}, must be >= 0.")
    teacher_p = np.asarray(teacher_p, dtype=np.float32)
    if teacher_p.shape != np.shape(y) + (len(CLASSES),):
        raise ValueError(f"teacher_p has shape {teacher_p.shape}, must be the labels' {np.shape(y)} plus "
                         f"({len(CLASSES)},).")
    labelled = np.asarray(weight) > 0
    labels = one_hot(y)
    mixed = label_share * labels + (1 - label_share) * teacher_p
    if disagreement == "labels":
        mixed = np.where((teacher_p.argmax(axis=-1) == np.asarray(y))[..., None], mixed, labels)
    target = np.where(labelled[..., None], mixed, teacher_p).astype(np.float32)
    return target, np.where(labelled, weight, unlabelled_weight).astype(np.float32)


def one_hot(y):
    """Classes ``(..., time)`` as one-hot float32 targets ``(..., time, n_classes)`` (e.g. the validation's)."""
    return np.eye(len(CLASSES), dtype=np.float32)[np.asarray(y)]


def distilled(data, teacher, label_share=0.5, unlabelled_weight=1.0, disagreement="mix"):
    """Batches ``(x, y, w)`` of ``data`` as ``(x, soft target, weight)`` (:func:`soft_targets`).

    ``data`` is a Keras ``PyDataset`` (its length and epoch hook are kept) or an iterable of batches. The teacher
    runs in the training process, batch by batch (with ``--workers`` the workers draw the crops only).
    """
    def convert(batch):
        x, y, w = batch
        return (x, *soft_targets(y, w, teacher(x), label_share, unlabelled_weight, disagreement))

    if not hasattr(data, "on_epoch_end"):  # a generator (or any iterable) of batches
        return (convert(batch) for batch in data)

    import keras

    class Distilled(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()

        def __len__(self):
            return len(data)

        def on_epoch_end(self):
            data.on_epoch_end()

        def __getitem__(self, idx):
            return convert(data[idx])

    return Distilled()
