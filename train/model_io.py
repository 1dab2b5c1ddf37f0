"""Save and load a Keras model with its model card (`model.keras` + `model.card.json` beside it)."""
from __future__ import annotations

import zipfile
from pathlib import Path

from edge_app.artifacts import atomic_output, write_text_atomic
from edge_app.errors import LenetEdgeError
from edge_app.model_card import ModelCard, card_from_json, check_card_matches


def card_path_for(model_path: str | Path) -> Path:
    p = Path(model_path)
    return p.with_name(p.stem + ".card.json")


def save_keras_with_card(model, card: ModelCard, path: str | Path) -> Path:
    """Saves the weights and the graph, not the optimizer state: the file is for inference and export
    (a third the size, and it saves under JAX after --ema, whose optimizer buffers are freed)."""
    path = Path(path)
    bare = type(model).from_config(model.get_config())  # uncompiled: no optimizer state
    bare.set_weights(model.get_weights())
    with atomic_output(path) as tmp:
        bare.save(tmp)
    write_text_atomic(card_path_for(path), card.to_json() + "\n")
    return path


def load_keras_with_card(path: str | Path):
    """(keras.Model, ModelCard); a missing/corrupt model or a card that does not match is refused."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise LenetEdgeError(f"no such model file: {path}")
    if path.suffix != ".keras":
        raise LenetEdgeError(f"{path}: expected a Keras .keras file")
    cp = card_path_for(path)
    if not cp.is_file():
        raise LenetEdgeError(f"{path}: model card {cp.name} not found beside it")
    card = card_from_json(cp.read_text(), str(cp))
    try:
        model = keras.saving.load_model(path, compile=False)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, TypeError) as e:
        raise LenetEdgeError(f"{path}: cannot load the Keras model ({type(e).__name__}: {str(e)[:120]})") from None
    check_card_matches(card, list(model.input_shape), "float32", list(model.output_shape), "float32", str(path))
    return model, card
