"""Sparse cross-entropy with label smoothing (Keras' sparse loss has no smoothing option)."""
from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="lenet_edge")
class SparseSmoothedCrossentropy(keras.losses.Loss):
    def __init__(self, label_smoothing: float = 0.1, name: str = "sparse_smoothed_crossentropy", **kw):
        super().__init__(name=name, **kw)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        one_hot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(one_hot, y_pred, label_smoothing=self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
