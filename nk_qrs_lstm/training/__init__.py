"""Training: LUDB/QTDB readers, labels, augmentation, the Keras model, training and ONNX export.

TensorFlow/Keras (the ``train`` extra) is imported only by :mod:`.model`, :mod:`.train` and :mod:`.export`;
nothing here is imported on the delineation path.
"""
