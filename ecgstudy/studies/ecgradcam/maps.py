"""Grad-CAM and ECGradCAM maps of a KanResWide_X at named layers, and the share of their mass in a
target's defining region."""

from __future__ import annotations

import time

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.studies.ecgradcam.targets import describe_region, target_region


def layer_module(model, name: str):
    """The submodule of :class:`~ecgstudy.models.KanResWideX` named ``name``."""
    if name == "last_add":
        return model.blocks[-1]
    if name == "last_conv":
        return model.blocks[-1].conv2
    k = int(name.removeprefix("block"))
    if not 0 <= k < len(model.blocks):
        raise ParameterError(f"layer {name!r}: the model has residual modules block0..block{len(model.blocks) - 1}")
    return model.blocks[k]


def explain_maps(model, x: np.ndarray, layers: tuple[str, ...], *, batch_size: int = 32
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Grad-CAM and ECGradCAM maps of output 0 for every row of ``x`` at every layer.

    Returns:
        ``(layer_maps, input_maps)``, both keyed ``"<variant>.<layer>"``: ``layer_maps``
        ``(n, T)`` float32 on the layer's time axis (GradCAM: ``layer_attribution``, ReLU;
        ECGradCAM: ``layer_attribution``, min-max at the layer), ``input_maps`` ``(n, samples)``
        upsampled as each method's ``attribute`` does (one lead of it: the map is the same on
        every lead). One forward-backward pass per variant, layer and batch.
    """
    import torch

    from ecgstudy.attribution import ECGradCAM, GradCAM, minmax, upsample

    n_samples = x.shape[-1]
    layer_maps: dict[str, list] = {}
    input_maps: dict[str, list] = {}
    for name in layers:
        layer = layer_module(model, name)
        grad = GradCAM(model, layer, relu=True, interpolate="linear")
        ecg = ECGradCAM(model, layer)
        for lo in range(0, len(x), batch_size):
            xb = torch.as_tensor(x[lo:lo + batch_size], dtype=torch.float32)
            h = grad.layer_attribution(xb, 0)
            raw = ecg.layer_attribution(xb, 0, normalize=False)
            for key, lmap, imap in ((f"gradcam.{name}", h, upsample(h, n_samples)),
                                    (f"ecgradcam.{name}", minmax(raw), minmax(upsample(raw, n_samples)))):
                layer_maps.setdefault(key, []).append(lmap.detach().numpy())
                input_maps.setdefault(key, []).append(imap.detach().numpy())
    cat = {k: np.concatenate(v).astype(np.float32) for k, v in layer_maps.items()}
    return cat, {k: np.concatenate(v).astype(np.float32) for k, v in input_maps.items()}


def _nanmean(v: np.ndarray) -> float | None:
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else None


def attention_in_region(model, x: np.ndarray, fiducials: np.ndarray, *, target: str, layers: tuple[str, ...],
                        fs: float) -> tuple[dict, dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """Maps of ``x`` ``(n, leads, samples)`` (:func:`explain_maps`) and the share of their mass in
    ``target``'s defining region, located by ``fiducials`` ``(n, 9)`` (median-beat samples).

    Returns:
        ``(found, layer_maps, defined, per_record)``: ``found`` holds ``region``,
        ``n_region_defined``, ``attention`` (per variant and layer: ``n``, ``n_no_mass``, mean
        ``share``, ``uniform`` and ``ratio``) and ``map_seconds``; ``layer_maps`` as
        :func:`explain_maps`; ``defined`` ``(n,)`` bool, the records whose region is defined;
        ``per_record`` the ratio of every record per map (``region_ratio.<variant>.<layer>``, NaN
        where undefined).
    """
    from ecgstudy.explain.region_mass import region_masks, region_mass

    t0 = time.perf_counter()
    layer_maps, input_maps = explain_maps(model, x, layers)
    parts = target_region(target)
    masks, defined = region_masks(fiducials, parts, n_samples=x.shape[-1], fs=fs)
    attention: dict = {}
    per_record: dict[str, np.ndarray] = {}
    for key, imap in input_maps.items():
        variant, layer = key.split(".", 1)
        r = region_mass(imap[defined], masks[defined]) if defined.any() else None
        entry = {"n": int(defined.sum()), "n_no_mass": int(np.sum(np.clip(imap, 0, None).sum(-1) <= 0)),
                 "share": None, "uniform": None, "ratio": None}
        if r is not None:
            entry.update(share=_nanmean(r["share"]), uniform=_nanmean(r["uniform"]), ratio=_nanmean(r["ratio"]))
            full = np.full(len(x), np.nan, np.float32)
            full[defined] = r["ratio"]
            per_record[f"region_ratio.{key}"] = full
        attention.setdefault(variant, {})[layer] = entry
    found = {"region": describe_region(parts), "n_region_defined": int(defined.sum()), "attention": attention,
             "map_seconds": time.perf_counter() - t0}
    return found, layer_maps, defined, per_record
