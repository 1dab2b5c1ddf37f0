"""Notebook-style training report: PNG figures and one HTML page (`report.html`).

Figures: samples per class, accuracy/loss curves, confusion-matrix heatmap, 7x7 prediction grid,
first-layer kernels and feature maps of one image; tables: per-class precision/recall/F1/support.
"""
from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from edge_app.artifacts import atomic_output, write_text_atomic  # noqa: E402
from edge_app.preprocess import to_model_input  # noqa: E402


def _save(fig, path: Path) -> str:
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=80, bbox_inches="tight", format="png")
    plt.close(fig)
    return path.name


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    cm = np.zeros((n, n), np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def classification_report(cm: np.ndarray, names) -> list[dict]:
    tp = np.diag(cm).astype(float)
    support, predicted = cm.sum(1), cm.sum(0)
    prec = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    rec = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(tp), where=(prec + rec) > 0)
    return [{"class": i, "name": names[i], "precision": prec[i], "recall": rec[i], "f1": f1[i],
             "support": int(support[i])} for i in range(len(names))]


def plot_samples(ds, path):
    n = ds.num_classes
    cols = 11 if n > 10 else n
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.4))
    for c, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        idx = np.flatnonzero(ds.labels == c)
        if c < n and len(idx):
            ax.imshow(ds.images[idx[0]], cmap="gray" if ds.images.ndim == 3 else None)
            ax.set_title(f"{c}: {len(idx)}", fontsize=7)
    fig.suptitle("one training image per class (class: count)")
    return _save(fig, path)


def plot_curves(history, path):
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
    ep = np.arange(1, len(history["loss"]) + 1)
    a.plot(ep, history["accuracy"], label="train"), a.plot(ep, history["val_accuracy"], label="validation")
    b.plot(ep, history["loss"], label="train"), b.plot(ep, history["val_loss"], label="validation")
    for ax, t in ((a, "accuracy"), (b, "loss")):
        ax.set_xlabel("epoch"), ax.set_title(t), ax.legend(), ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_confusion(cm, path):
    fig, ax = plt.subplots(figsize=(9, 8))
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xlabel("predicted"), ax.set_ylabel("true"), ax.set_title("confusion matrix (row-normalised, test)")
    ax.set_xticks(range(len(cm))), ax.set_yticks(range(len(cm)))
    ax.tick_params(labelsize=6)
    fig.colorbar(im, ax=ax, fraction=0.046)
    return _save(fig, path)


def plot_prediction_grid(test_ds, pred, path, seed=0):
    idx = np.random.default_rng(seed).choice(len(test_ds), size=min(49, len(test_ds)), replace=False)
    fig, axes = plt.subplots(7, 7, figsize=(12, 13))
    for ax, i in zip(np.ravel(axes), idx):
        ax.imshow(test_ds.images[i], cmap="gray" if test_ds.images.ndim == 3 else None)
        ok = pred[i] == test_ds.labels[i]
        ax.set_title(f"P: {test_ds.class_names[pred[i]][:18]}\nT: {test_ds.class_names[test_ds.labels[i]][:18]}",
                     fontsize=6, color="green" if ok else "red")
    for ax in np.ravel(axes):
        ax.axis("off")
    return _save(fig, path)


def plot_kernels_and_maps(model, image_x, path_k, path_m):
    import keras
    conv = next(l for l in model.layers if isinstance(l, keras.layers.Conv2D))
    k = conv.get_weights()[0]  # (kh, kw, in, out)
    n = k.shape[-1]
    cols = min(n, 8)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.3, rows * 1.4))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < n:
            ax.imshow(k[:, :, 0, i], cmap="gray"), ax.set_title(f"k{i}", fontsize=7)
    fig.suptitle(f"first-layer kernels ({conv.name})")
    names = [_save(fig, path_k)]
    maps = np.asarray(keras.Model(model.inputs, conv.output).predict(image_x[None], verbose=0))[0]
    fig, axes = plt.subplots(rows, cols + 1, figsize=((cols + 1) * 1.3, rows * 1.4))
    axes = np.atleast_2d(axes)
    axes[0, 0].imshow(image_x[..., 0], cmap="gray"), axes[0, 0].set_title("input", fontsize=7)
    for r in range(rows):
        axes[r, 0].axis("off")
        for c in range(cols):
            ax, i = axes[r, c + 1], r * cols + c
            ax.axis("off")
            if i < n:
                ax.imshow(maps[..., i], cmap="viridis"), ax.set_title(f"map {i}", fontsize=7)
    fig.suptitle("feature maps of one test image")
    names.append(_save(fig, path_m))
    return names


def write_report(out: Path, model, history, test_ds, probs, spec, train_ds, metrics) -> Path:
    pred = probs.argmax(1)
    cm = confusion_matrix(test_ds.labels, pred, test_ds.num_classes)
    rep = classification_report(cm, test_ds.class_names)
    figs = {
        "samples": plot_samples(train_ds, out / "samples_per_class.png"),
        "curves": plot_curves(history, out / "curves.png"),
        "confusion": plot_confusion(cm, out / "confusion_matrix.png"),
        "grid": plot_prediction_grid(test_ds, pred, out / "predictions_7x7.png"),
    }
    figs["kernels"], figs["maps"] = plot_kernels_and_maps(
        model, to_model_input(test_ds.images[:1], spec)[0], out / "kernels.png", out / "feature_maps.png")
    rows = "\n".join(
        f"<tr><td>{r['class']}</td><td>{html.escape(r['name'])}</td><td>{r['precision']:.3f}</td>"
        f"<td>{r['recall']:.3f}</td><td>{r['f1']:.3f}</td><td>{r['support']}</td></tr>" for r in rep)
    macro = {k: float(np.mean([r[k] for r in rep])) for k in ("precision", "recall", "f1")}
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>training report: {html.escape(model.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} td,th{{padding:2px 8px;text-align:right}}
td:nth-child(2){{text-align:left}} img{{max-width:100%}}</style></head><body>
<h1>Training report: {html.escape(model.name)}</h1>
<p><b>Test accuracy {100 * metrics['test_accuracy']:.2f}%</b>, test loss {metrics['test_loss']:.4f};
validation accuracy {100 * metrics['val_accuracy']:.2f}%; {metrics['params']:,} parameters;
{metrics['epochs']} epochs, {metrics['seconds_per_epoch']:.1f} s/epoch, {metrics['train_seconds']:.0f} s in all;
train {metrics['train_images']:,} / validation {metrics['val_images']:,} (split by track) / test {metrics['test_images']:,} images.</p>
<h2>Samples per class</h2><img src="{figs['samples']}">
<h2>Accuracy and loss</h2><img src="{figs['curves']}">
<h2>Confusion matrix</h2><img src="{figs['confusion']}">
<h2>Test predictions (P: predicted, T: true; red = wrong)</h2><img src="{figs['grid']}">
<h2>First-layer kernels and feature maps</h2><img src="{figs['kernels']}"><img src="{figs['maps']}">
<h2>Classification report (test)</h2>
<table><tr><th>id</th><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{rows}
<tr><th></th><th>macro average</th><th>{macro['precision']:.3f}</th><th>{macro['recall']:.3f}</th><th>{macro['f1']:.3f}</th><th>{len(test_ds)}</th></tr>
</table></body></html>
"""
    write_text_atomic(out / "report.html", page)
    from edge_app.artifacts import write_json_atomic
    write_json_atomic(out / "classification_report.json", {"classes": rep, "macro": macro})
    return out / "report.html"
