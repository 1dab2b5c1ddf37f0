import json

import pytest

from edge_app.errors import LenetEdgeError
from edge_app.labels import GTSRB_CLASS_NAMES
from edge_app.model_card import ModelCard, card_from_json, check_card_matches, validate_card
from edge_app.preprocess import SEED_SPEC


def make_card(**kw) -> ModelCard:
    base = dict(name="lenet", architecture="lenet", format="keras", input_shape=[None, 32, 32, 1],
                input_dtype="float32", output_shape=[None, 43], output_dtype="float32",
                preprocessing=SEED_SPEC, labels=list(GTSRB_CLASS_NAMES), dataset="gtsrb")
    base.update(kw)
    return ModelCard(**base)


def test_round_trip():
    card = make_card(metrics={"test_accuracy": 0.97})
    again = card_from_json(card.to_json())
    assert again.to_dict() == card.to_dict()


def test_int8_needs_quantization():
    d = make_card(input_dtype="int8").to_dict()
    with pytest.raises(LenetEdgeError, match="input.quantization"):
        validate_card(d)
    d["input"]["quantization"] = {"scale": 0.0078125, "zero_point": 0}
    assert validate_card(d).input_quantization == {"scale": 0.0078125, "zero_point": 0}


@pytest.mark.parametrize("mutate,msg", [
    (lambda d: d.pop("labels"), "missing 'labels'"),
    (lambda d: d["labels"].pop(), "43 classes but 42 labels"),
    (lambda d: d.update(schema_version=99), "schema_version"),
    (lambda d: d["input"].update(dtype="int4"), "input.dtype"),
    (lambda d: d["preprocessing"].update(size=28), "preprocessing.size"),
    (lambda d: d["input"].update(shape=[None, 32, 32]), "input.shape"),
])
def test_invalid_cards_are_refused(mutate, msg):
    d = make_card().to_dict()
    mutate(d)
    with pytest.raises(LenetEdgeError, match=msg):
        validate_card(d)


def test_not_json():
    with pytest.raises(LenetEdgeError, match="not valid JSON"):
        card_from_json("{oops", "m.tflite")


def test_card_must_match_model():
    card = make_card(input_dtype="int8", input_quantization={"scale": 1.0, "zero_point": 0})
    check_card_matches(card, [1, 32, 32, 1], "int8", [1, 43], "float32", "m")
    with pytest.raises(LenetEdgeError, match="does not match.*input dtype float32"):
        check_card_matches(card, [1, 32, 32, 1], "float32", [1, 43], "float32", "m")
    with pytest.raises(LenetEdgeError, match="output shape"):
        check_card_matches(card, [1, 32, 32, 1], "int8", [1, 10], "float32", "m")


def test_schema_file_accepts_a_card():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources
    schema = json.loads(resources.files("edge_app").joinpath("model_card.schema.json").read_text())
    jsonschema.validate(make_card().to_dict(), schema)
    bad = make_card().to_dict()
    bad["input"]["dtype"] = "int4"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
