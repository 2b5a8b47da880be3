"""ECGradCAM (Hicks et al., Sci Rep 2021): one training run, and the grid and summary of the chapter.

A run trains one :class:`~ecgstudy.models.KanResWideX` on 8-lead median beats
(:mod:`ecgstudy.studies.ecgradcam_data`) for one target (an interval, an amplitude, heart rate,
age: regression; or sex: binary) on one fold of a 5-fold split with one seed, evaluates it on
the held-out fold, and then asks where its Grad-CAM maps look and what it loses when a wave is
blocked:

* **Maps** of the held-out records, for both variants: textbook Grad-CAM
  (:class:`~ecgstudy.attribution.GradCAM`: per-channel weights, ReLU, linear upsampling) and the
  authors' ECGradCAM (:class:`~ecgstudy.attribution.ECGradCAM`: guided gradients, one scalar
  weight, min-max), at each layer of ``params.layers`` (``last_add``: the last residual
  addition, the authors' "Last Add"; ``last_conv``: its last convolution, "Last Conv";
  ``block<k>``: the output of residual module ``k``, an earlier layer).
* **Attention quantified**: the share of each (upsampled, non-negative) map's mass inside the
  target's defining region (:data:`TARGET_REGIONS`, from the median beat's fiducials) against
  the region's share of the 600 samples, and their ratio (:mod:`ecgstudy.explain.region_mass`).
* **Wave blocking**: the held-out predictions with the P wave, the QRS or the T wave replaced
  by a straight line (:func:`~ecgstudy.explain.wave_blocking.block_waves`), and the change of
  the headline metric.

Files of a run: ``metrics.json``, ``predictions.npz`` (record ids, targets, predictions, also
with each wave blocked), ``maps.npz`` (layer maps ``(n_test, T)`` float16 keyed
``<variant>.<layer>``, with ``index`` / ``record_ids`` of the held-out records and the per-record
region ratios), ``curves.json`` (per-epoch training and held-out loss).
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from ecgstudy.errors import ParameterError
from ecgstudy.explain.region_mass import RegionPart
from ecgstudy.runs.params import RunParams
from ecgstudy.studies.ecgradcam_transfer import TRANSFER_TARGETS

if TYPE_CHECKING:
    import pandas as pd

#: Code version of the chapter's runs: bump it when code that changes their results changes.
ECGRADCAM_VERSION = "ecgradcam.1"
Dataset = Literal["ludb", "ptbxl", "transfer"]
#: ``transfer``: trained on PTB-XL with NeuroKit2's intervals, tested on LUDB
#: (:mod:`ecgstudy.studies.ecgradcam_transfer`).
DATASET_NAMES = {"ludb": "LUDB", "ptbxl": "PTB-XL subset", "transfer": "PTB-XL-to-LUDB transfer"}
#: The map variants, as keyed in ``maps.npz`` and ``metrics.json``.
VARIANTS = ("gradcam", "ecgradcam")
#: The waves blocked.
WAVES = ("p", "qrs", "t")
#: Targets classified (BCE with logits) rather than regressed (MSE).
BINARY_TARGETS = ("sex",)
_LAYER = re.compile(r"^(last_add|last_conv|block\d+)$")

#: The region of the median beat that defines each target (fnmatch patterns: ``r_amp_*`` is
#: every lead's R amplitude). Parts are ``(start fiducial, end fiducial, start offset ms, end
#: offset ms)``, the samples from ``start + offset`` to ``end + offset``, both included
#: (:func:`ecgstudy.explain.region_mass.region_masks`). The regions follow what the authors
#: report their maps show: QRS duration -> the QRS; QT -> the QRS onset and the T-wave end; PR
#: -> the P onset and the QRS onset; R amplitude -> the R peak (here the global QRS peak);
#: S amplitude -> from the QRS peak to the QRS offset; T amplitude -> the T peak; sex -> the
#: R-wave downslope (QRS peak to QRS offset). Heart rate and age have no defining region
#: (empty: not scored), nor has a target missing here.
TARGET_REGIONS: dict[str, tuple[RegionPart, ...]] = {
    "qrs_ms": (("qrs_on", "qrs_off", 0, 0),),
    "qt_ms": (("qrs_on", "qrs_on", -20, 20), ("t_off", "t_off", -20, 20)),
    "pr_ms": (("p_on", "p_on", -20, 20), ("qrs_on", "qrs_on", -20, 20)),
    "r_amp_*": (("qrs_peak", "qrs_peak", -20, 20),),
    "s_amp_*": (("qrs_peak", "qrs_off", 0, 0),),
    "t_amp_*": (("t_peak", "t_peak", -40, 40),),
    "sex": (("qrs_peak", "qrs_off", 0, 0),),
    "hr_bpm": (),
    "age": (),
}


def target_region(target: str) -> tuple[RegionPart, ...]:
    """The parts of ``target``'s defining region (:data:`TARGET_REGIONS`; empty: none)."""
    for pattern, parts in TARGET_REGIONS.items():
        if fnmatch.fnmatchcase(target, pattern):
            return parts
    return ()


def describe_region(parts: tuple[RegionPart, ...]) -> str:
    """``"[qrs_on-20ms, qrs_on+20ms] + ..."``; ``"none"`` when empty."""
    def end(f: str, ms: float) -> str:
        return f"{f}{ms:+g}ms" if ms else f

    return " + ".join(f"[{end(a, da)}, {end(b, db)}]" for a, b, da, db in parts) or "none"


def is_binary(target: str) -> bool:
    return target in BINARY_TARGETS


def target_units(dataset: str, target: str) -> str:
    """Units of a target's values and errors (amplitudes on LUDB: per-lead normalised units)."""
    if is_binary(target):
        return "class (1 male, 0 female)"
    if target.endswith("_ms"):
        return "ms"
    if target == "hr_bpm":
        return "bpm"
    if target == "age":
        return "years"
    if "_amp_" in target:
        return "per-lead normalised units (LUDB leads scaled to peak-to-peak 1), not mV" if dataset == "ludb" \
            else "mV"
    return ""


class EcgradcamRunParams(RunParams):
    """One training run of the ECGradCAM chapter: one target, one fold, one seed."""

    target: str = Field("qrs_ms", min_length=1, max_length=64,
                        description="column of the dataset's targets (checked when the data are loaded)")
    fold: int = Field(0, ge=0, le=99, description="held-out fold, 0 .. n_folds - 1")
    n_folds: int = Field(5, ge=2, le=20)
    epochs: int = Field(100, ge=1, le=2000)
    lr: float = Field(8e-4, gt=0, le=1.0)
    lr_schedule: Literal["constant", "cosine"] = Field(
        "constant", description="constant (the authors) or cosine to 0 over the run (short CPU budgets)")
    batch_size: int = Field(32, ge=1, le=1024)
    layers: tuple[str, ...] = Field(("last_add", "last_conv", "block3"), min_length=1,
                                    description="layers explained: last_add, last_conv, block<k>")
    n_synthetic: int = Field(400, ge=20, le=100_000, description="records drawn when no real data")

    @field_validator("layers")
    @classmethod
    def _check_layers(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [name for name in v if not _LAYER.match(name)]
        if bad:
            raise ValueError(f"unknown layer(s) {bad}: use last_add, last_conv or block<k>")
        if len(set(v)) != len(v):
            raise ValueError(f"layers repeat: {v}")
        return v

    @model_validator(mode="after")
    def _check_fold(self) -> "EcgradcamRunParams":
        if self.fold >= self.n_folds:
            raise ValueError(f"fold={self.fold}: must be in 0..{self.n_folds - 1}")
        return self


#: Budgets per profile (the chapter states them). The authors: Nadam lr 8e-4, batch 32, 100
#: epochs, MSE, best epoch chosen on the held-out fold.
RUN_PROFILES = {
    "smoke": {"epochs": 1, "n_synthetic": 40, "batch_size": 16},
    # The demo chapter (4 LUDB runs) in about 2 min: 2 epochs (10 steps) and the authors' two layers.
    "demo": {"epochs": 2, "lr_schedule": "cosine", "layers": ("last_add", "last_conv"), "n_synthetic": 120},
    # LUDB gets 30 epochs (150 steps of batch 32), PTB-XL 8 (PTBXL_CPU, about 370 steps). The whole
    # cpu grid, measured on 2 idle cores (torch 2.13, 2 threads), took 1.8 h: LUDB's 35 runs (7 targets
    # x 5 folds) a median of 101 s each, maps and wave blocking included; PTB-XL's 10 runs 283 s each.
    # Cores shared with other work made steps 2 to 4 times slower.
    "cpu": {"epochs": 30, "lr_schedule": "cosine", "n_synthetic": 600},
    "full": {"epochs": 100, "n_synthetic": 2000},
}
#: PTB-XL's cpu budget: 9 times as many steps per epoch as LUDB, so fewer epochs (see ``RUN_PROFILES``).
PTBXL_CPU = {"epochs": 8}


def experiment_name(dataset: str) -> str:
    return f"ecgradcam-{dataset}"


def load_data(dataset: str, params: EcgradcamRunParams, source):
    """The :class:`~ecgstudy.studies.ecgradcam_data.MedianBeatData` of a run."""
    from ecgstudy.studies.ecgradcam_data import load_median_beat_data

    return load_median_beat_data(dataset, source, n_synthetic=params.n_synthetic)


def fold_split(y: np.ndarray, *, n_folds: int, fold: int, seed: int, stratify: bool
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, test_idx)`` of fold ``fold``: ``KFold(n_folds, shuffle=True, random_state=seed)``
    over the rows of ``y``, or ``StratifiedKFold`` on ``y`` when ``stratify`` (sex)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if not 0 <= fold < n_folds:
        raise ParameterError(f"fold={fold}: must be in 0..{n_folds - 1}")
    y = np.asarray(y)
    if len(y) < n_folds:
        raise ParameterError(f"{len(y)} records cannot make {n_folds} folds")
    if stratify:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(len(y)), y.astype(np.int64)))
    else:
        folds = list(KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(np.zeros(len(y))))
    train, test = folds[fold]
    return np.sort(train), np.sort(test)


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


def _upsample(h, n_samples: int):
    """``(batch, T) -> (batch, n_samples)``, linear with ``align_corners=False`` (as ``attribute``)."""
    import torch.nn.functional as F

    return F.interpolate(h.unsqueeze(1), size=n_samples, mode="linear", align_corners=False).squeeze(1)


def _minmax(h):
    lo = h.amin(dim=-1, keepdim=True)
    span = h.amax(dim=-1, keepdim=True) - lo
    return ((h - lo) / span.clamp_min(1e-30)) * (span > 0)


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

    from ecgstudy.attribution.gradcam import ECGradCAM, GradCAM

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
            for key, lmap, imap in ((f"gradcam.{name}", h, _upsample(h, n_samples)),
                                    (f"ecgradcam.{name}", _minmax(raw), _minmax(_upsample(raw, n_samples)))):
                layer_maps.setdefault(key, []).append(lmap.detach().numpy())
                input_maps.setdefault(key, []).append(imap.detach().numpy())
    cat = {k: np.concatenate(v).astype(np.float32) for k, v in layer_maps.items()}
    return cat, {k: np.concatenate(v).astype(np.float32) for k, v in input_maps.items()}


def _predict(model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(x), batch_size):
            out.append(model(torch.as_tensor(x[lo:lo + batch_size], dtype=torch.float32))[:, 0].numpy())
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)


def _loss_fn(binary: bool):
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits if binary else F.mse_loss


def train_model(model, x: np.ndarray, y: np.ndarray, x_eval: np.ndarray, y_eval: np.ndarray, *, epochs: int,
                lr: float, batch_size: int, lr_schedule: str, binary: bool, seed: int) -> list[dict]:
    """Train ``model`` (output 0 against ``y``: MSE, or BCE with logits when ``binary``) with
    NAdam for ``epochs``; return the per-epoch curve (``epoch, train_loss, heldout_loss, seconds``).

    The optimiser is ``torch.optim.NAdam(lr, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)``,
    the Nadam of Keras that the authors used: Keras' ``schedule_decay=0.004`` is Dozat's momentum
    schedule ``mu_t = beta1 (1 - 0.5 * 0.96^(0.004 t))``, which is what PyTorch's
    ``momentum_decay`` sets, and Keras' epsilon is 1e-7. Batches are drawn with a generator
    seeded by ``seed`` (:func:`~ecgstudy.training.loop.seed_everything`).
    """
    import torch

    from ecgstudy.training.loop import lr_factor, seed_everything

    gen = seed_everything(seed)
    loss_fn = _loss_fn(binary)
    xt = torch.as_tensor(x, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    ye = torch.as_tensor(y_eval, dtype=torch.float32)
    opt = torch.optim.NAdam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7, momentum_decay=0.004)
    steps = epochs * math.ceil(len(xt) / batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, steps, lr_schedule))
    curve = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for lo in range(0, len(xt), batch_size):
            idx = order[lo:lo + batch_size]
            loss = loss_fn(model(xt[idx])[:, 0], yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
            total += float(loss.detach()) * len(idx)
        held = float(loss_fn(torch.as_tensor(_predict(model, x_eval), dtype=torch.float32), ye)) if len(ye) else None
        curve.append({"epoch": epoch, "train_loss": total / len(xt), "heldout_loss": held,
                      "seconds": time.perf_counter() - t0})
    return curve


def score(y: np.ndarray, pred: np.ndarray, *, binary: bool, y_train: np.ndarray) -> dict[str, float]:
    """Headline metrics in the target's units.

    Regression: ``mae``, ``rmse``, ``r2`` (scikit-learn) and ``baseline_mae`` (predicting the
    training mean). Binary (``pred`` = probabilities): ``accuracy``, ``auc``
    (:func:`~ecgstudy.metrics.binary_metrics` at 0.5), sensitivity / specificity and
    ``baseline_accuracy`` (predicting the training majority class).
    """
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    from ecgstudy.metrics import binary_metrics

    if binary:
        m = binary_metrics(y.astype(np.int64), pred)
        majority = float(np.mean(y_train) >= 0.5)
        return {"accuracy": m["accuracy"], "auc": m["auc"], "sensitivity": m["sensitivity"],
                "specificity": m["specificity"], "baseline_accuracy": float(np.mean(y == majority))}
    return {"mae": float(mean_absolute_error(y, pred)), "rmse": float(math.sqrt(mean_squared_error(y, pred))),
            "r2": float(r2_score(y, pred)) if len(y) >= 2 else math.nan,
            "baseline_mae": float(np.mean(np.abs(y - np.mean(y_train))))}


def _headline(binary: bool) -> tuple[str, ...]:
    return ("accuracy", "auc") if binary else ("mae", "r2")


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


def block_and_score(predict, x: np.ndarray, y: np.ndarray, fiducials: "pd.DataFrame", *, binary: bool,
                    y_train: np.ndarray, reference: dict) -> tuple[dict, dict[str, np.ndarray]]:
    """Predictions of ``x`` with each wave of :data:`WAVES` blocked
    (:func:`~ecgstudy.explain.wave_blocking.block_waves`), scored against ``y``.

    Args:
        predict: ``(n, leads, samples) -> (n,)`` predictions in the target's units (probabilities if binary).
        fiducials: :meth:`MedianBeatData.fiducial_frame` of the rows of ``x``.
        reference: the unblocked metrics (:func:`score`), for the changes ``delta_<metric>``.

    Returns:
        ``(blocking, blocked_preds)``: per wave ``n_blocked``, ``n_unblocked`` and, when a record
        was blocked, the headline metrics and their change; the blocked predictions and masks
        (``prediction_block_<wave>``, ``blocked_<wave>``).
    """
    from ecgstudy.explain.wave_blocking import block_waves

    blocking: dict = {}
    blocked_preds: dict[str, np.ndarray] = {}
    for wave in WAVES:
        xb, was_blocked = block_waves(x, fiducials, wave)
        entry = {"n_blocked": int(was_blocked.sum()), "n_unblocked": int((~was_blocked).sum())}
        if was_blocked.any():
            pb = predict(xb)
            blocked_preds[f"prediction_block_{wave}"] = pb.astype(np.float32)
            blocked_preds[f"blocked_{wave}"] = was_blocked
            m = score(y, pb, binary=binary, y_train=y_train)
            for k in _headline(binary):
                entry[k] = m[k]
                entry[f"delta_{k}"] = m[k] - reference[k]
        blocking[wave] = entry
    return blocking, blocked_preds


def run_ecgradcam(params: EcgradcamRunParams, source, run_dir: Path, *, dataset: str) -> None:
    """Train on ``params.fold``'s training folds, evaluate, map and block; write the run's files.

    Split: the records with a value of the target are split into ``n_folds`` folds by
    ``KFold(shuffle=True, random_state=params.seed)`` (``StratifiedKFold`` for ``sex``). The
    authors used contiguous, unshuffled folds and kept the epoch of the lowest loss on the
    held-out fold itself (optimistic: the test fold chooses the model). Here a fixed number of
    epochs is trained and the last epoch is evaluated: the held-out fold is never used for a
    decision (its loss is only logged in ``curves.json``).

    Targets: regression targets are z-scored with the training folds' mean and sd and trained
    with MSE; predictions are mapped back and scored in the target's units (MAE, RMSE, R² and
    the MAE of predicting the training mean). ``sex`` (1 male) is trained with BCE on one logit
    and scored by accuracy and AUC. The median beats enter as they are (no normalisation, as the
    authors). Seeded: on CPU the same seed, data and threads give the same predictions up to float
    rounding (MKL and oneDNN kernels need not sum in the same order from one process to the next).
    """
    from scipy.special import expit

    from ecgstudy.models.kanres_wide_x import KanResWideX
    from ecgstudy.runs.store import write_json
    from ecgstudy.training.loop import seed_everything

    data = load_data(dataset, params, source)
    y_all = data.target(params.target)
    binary = is_binary(params.target)
    known = np.isfinite(y_all) & (np.isin(y_all, (0.0, 1.0)) if binary else True)
    rows = np.flatnonzero(known)
    tr, te = fold_split(y_all[rows], n_folds=params.n_folds, fold=params.fold, seed=params.seed, stratify=binary)
    train, test = rows[tr], rows[te]
    x_tr, x_te, y_tr, y_te = data.x[train], data.x[test], y_all[train], y_all[test]
    mu, sd = (0.0, 1.0) if binary else (float(np.mean(y_tr)), float(np.std(y_tr)) or 1.0)

    seed_everything(params.seed)
    model = KanResWideX(in_leads=data.x.shape[1], n_outputs=1)
    curve = train_model(model, x_tr, (y_tr - mu) / sd, x_te, (y_te - mu) / sd, epochs=params.epochs, lr=params.lr,
                        batch_size=params.batch_size, lr_schedule=params.lr_schedule, binary=binary, seed=params.seed)

    def predict(x: np.ndarray) -> np.ndarray:
        out = _predict(model, x)
        return expit(out) if binary else out * sd + mu

    pred = predict(x_te)
    metrics: dict = {
        "dataset": dataset, "target": params.target, "task": "binary" if binary else "regression",
        "units": target_units(dataset, params.target), "fold": params.fold, "n_folds": params.n_folds,
        "seed": params.seed, "n_train": int(len(train)), "n_test": int(len(test)),
        "n_without_target": int((~known).sum()), "n_records": len(data),
        "split": ("StratifiedKFold" if binary else "KFold") + f"(n_splits={params.n_folds}, shuffle=True, "
                                                             f"random_state={params.seed})",
        "train_mean": mu, "train_sd": sd, "epochs": params.epochs,
        "train_seconds": float(sum(c["seconds"] for c in curve)),
        "final_train_loss": curve[-1]["train_loss"], "final_heldout_loss": curve[-1]["heldout_loss"],
        "data": data.description, **score(y_te, pred, binary=binary, y_train=y_tr),
    }

    # maps and how much of them lies in the target's region; wave blocking
    found, layer_maps, defined, per_record = attention_in_region(
        model, x_te, data.fiducials[test], target=params.target, layers=tuple(params.layers), fs=data.fs)
    metrics.update(found)
    metrics["blocking"], blocked_preds = block_and_score(predict, x_te, y_te, data.fiducial_frame(test),
                                                         binary=binary, y_train=y_tr, reference=metrics)

    ids = data.record_ids[test]
    np.savez_compressed(run_dir / "predictions.npz", ids=ids, index=test, y=y_te.astype(np.float32),
                        prediction=pred.astype(np.float32), **blocked_preds)
    np.savez_compressed(run_dir / "maps.npz", index=test, record_ids=ids, region_defined=defined,
                        **{k: v.astype(np.float16) for k, v in layer_maps.items()}, **per_record)
    (run_dir / "curves.json").write_text(json.dumps(curve))
    write_json(run_dir / "metrics.json", metrics)


# ---------------------------------------------------------------- the chapter: grid and summary

#: The chapter's targets per dataset.
LUDB_TARGETS = ("qrs_ms", "qt_ms", "pr_ms", "hr_bpm", "r_amp_V5_mV", "t_amp_V5_mV", "sex")
PTBXL_TARGETS = ("sex", "age")


class EcgradcamChapterParams(RunParams):
    """The ECGradCAM chapter page: targets x folds per dataset (folds are the replication unit)."""

    datasets: tuple[Dataset, ...] = ("ludb", "ptbxl", "transfer")
    ludb_targets: tuple[str, ...] = LUDB_TARGETS
    ptbxl_targets: tuple[str, ...] = PTBXL_TARGETS
    transfer_targets: tuple[str, ...] = Field(TRANSFER_TARGETS, description="intervals learned on PTB-XL and "
                                                                            "tested on LUDB")
    n_folds: int = Field(5, ge=2, le=20)
    folds: tuple[int, ...] | None = Field(None, description="folds run (default: all n_folds)")
    seeds: tuple[int, ...] = (0,)
    executor: Literal["local", "ray"] = "local"
    train_missing: bool = Field(True, description="train the runs missing from the store; False: summarise the "
                                                  "finished runs only (a grid part-way done)")

    def targets_of(self, dataset: str) -> tuple[str, ...]:
        return {"ludb": self.ludb_targets, "ptbxl": self.ptbxl_targets, "transfer": self.transfer_targets}[dataset]

    def fold_list(self) -> tuple[int, ...]:
        return tuple(range(self.n_folds)) if self.folds is None else tuple(self.folds)


CHAPTER_PROFILES = {
    "smoke": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms",), "transfer_targets": ("qrs_ms",),
              "folds": (0,)},
    "demo": {"datasets": ("ludb", "transfer"), "ludb_targets": ("qrs_ms", "sex"), "transfer_targets": ("qrs_ms",),
             "folds": (0, 1)},
    "cpu": {},
    "full": {},
}


def grid_specs(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None) -> list:
    """Run specs of the chapter: seed by seed, then dataset, target and fold."""
    from ecgstudy.runs.registry import get_experiment

    datasets = params.datasets if datasets is None else datasets
    specs = []
    for seed in params.seeds:
        for ds in datasets:
            exp = get_experiment(experiment_name(ds))
            for target in params.targets_of(ds):
                for fold in params.fold_list():
                    specs.append(exp.spec({"profile": params.profile, "data": params.data, "seed": seed,
                                           "target": target, "fold": fold, "n_folds": params.n_folds}))
    return specs


def run_grid(params: EcgradcamChapterParams, datasets: tuple[str, ...] | None = None, *, store=None,
             progress: bool = True):
    """Run (or reuse) every run of the chapter; return their records (failures included; with
    ``train_missing=False`` runs not in the store come back with status ``"missing"``)."""
    from ecgstudy.runs.executors import run_grid_specs

    return run_grid_specs(grid_specs(params, datasets), executor=params.executor, store=store,
                          train_missing=params.train_missing, progress=progress)


#: Metric columns of the run table (NaN where they do not apply).
TABLE_METRICS = ("mae", "rmse", "r2", "baseline_mae", "accuracy", "auc", "baseline_accuracy")


def run_table(records) -> "pd.DataFrame":
    """One row per finished run: dataset, target, fold, seed, sizes, headline metrics, the region
    ratio per variant and layer (``ratio.<variant>.<layer>``, also ``share.`` and ``uniform.``),
    and per blocked wave the change of the headline metrics (``block.<wave>.delta_<metric>``,
    ``block.<wave>.n_blocked``)."""
    import pandas as pd

    rows = []
    for rec in records:
        if not rec.ok:
            continue
        m = rec.metrics()
        row = {"dataset": m["dataset"], "target": m["target"], "task": m["task"], "fold": int(m["fold"]),
               "seed": int(m["seed"]), "n_train": m["n_train"], "n_test": m["n_test"],
               "train_seconds": m["train_seconds"],
               **{k: m.get(k, math.nan) for k in TABLE_METRICS}}
        for variant, layers in m.get("attention", {}).items():
            for layer, e in layers.items():
                for k in ("ratio", "share", "uniform"):
                    v = e.get(k)
                    row[f"{k}.{variant}.{layer}"] = math.nan if v is None else v
        for wave, e in m.get("blocking", {}).items():
            row[f"block.{wave}.n_blocked"] = e["n_blocked"]
            for k in _headline(m["task"] == "binary"):
                row[f"block.{wave}.delta_{k}"] = e.get(f"delta_{k}", math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def target_summary(table: "pd.DataFrame", *, layer: str = "last_add") -> "pd.DataFrame":
    """Per dataset and target, pooled over folds (and seeds): ``n_runs``, mean and sd of the
    metrics (``<metric>_mean``, ``<metric>_sd``: MAE, R², baseline MAE; accuracy, AUC, baseline
    accuracy), the region ratio of each variant at ``layer`` (``ratio_<variant>_mean`` / ``_sd``)
    and the mean change of the headline metrics with each wave blocked (``block_<wave>_delta_<metric>``)."""
    import pandas as pd

    from ecgstudy.metrics import mean_sd

    rows = []
    if not len(table):
        return pd.DataFrame(rows)
    for (ds, target), part in table.groupby(["dataset", "target"], sort=False):
        binary = part["task"].iloc[0] == "binary"
        row = {"dataset": ds, "target": target, "task": part["task"].iloc[0], "n_runs": int(len(part)),
               "n_test": int(part["n_test"].sum())}
        for k in (("accuracy", "auc", "baseline_accuracy") if binary else ("mae", "r2", "baseline_mae")):
            row[f"{k}_mean"], row[f"{k}_sd"] = mean_sd(part[k].to_numpy(dtype=np.float64))
        for variant in VARIANTS:
            col = f"ratio.{variant}.{layer}"
            vals = part[col].to_numpy(dtype=np.float64) if col in part else np.array([np.nan])
            row[f"ratio_{variant}_mean"], row[f"ratio_{variant}_sd"] = mean_sd(vals)
        for wave in WAVES:
            for k in _headline(binary):
                col = f"block.{wave}.delta_{k}"
                row[f"block_{wave}_delta_{k}"] = mean_sd(part[col].to_numpy(dtype=np.float64))[0] \
                    if col in part else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def dataset_labels(data_kind: str) -> dict[str, str]:
    """How the page names each dataset: its name on real data, else the synthetic stand-in's."""
    if data_kind == "real":
        return dict(DATASET_NAMES)
    return {k: f"synthetic stand-in for {v}" for k, v in DATASET_NAMES.items()}


def cross_target_similarity(records, *, layer: str = "last_add") -> "pd.DataFrame":
    """How alike the maps of one record are across models trained for different targets.

    For every pair of runs of the same dataset, fold and seed but different targets, the
    Pearson correlation of the two layer maps of each held-out record both runs share, averaged
    over records; then the mean over pairs, per variant. A map that explains *the target* should
    differ between targets; one near 1 says the map shows the model's activations, whatever it
    measures (what the authors' ECGradCAM reduces to: the min-max channel-summed activation).

    Returns:
        One row per dataset and variant: ``dataset, variant, pairs, mean_corr``.
    """
    import itertools

    import pandas as pd

    maps: dict[tuple, dict[str, dict[str, np.ndarray]]] = {}
    for rec in records:
        if not rec.ok or not (rec.path / "maps.npz").exists():
            continue
        m = rec.metrics()
        key = (m["dataset"], int(m["fold"]), int(m["seed"]))
        with np.load(rec.path / "maps.npz") as z:
            ids = [str(r) for r in z["record_ids"]]
            maps.setdefault(key, {})[m["target"]] = {
                v: dict(zip(ids, z[f"{v}.{layer}"].astype(np.float64))) for v in VARIANTS if f"{v}.{layer}" in z}
    rows = []
    for variant in VARIANTS:
        per_ds: dict[str, list[float]] = {}
        for (ds, _, _), by_target in maps.items():
            for a, b in itertools.combinations(sorted(by_target), 2):
                ma, mb = by_target[a].get(variant, {}), by_target[b].get(variant, {})
                common = sorted(set(ma) & set(mb))
                corr = [np.corrcoef(ma[r], mb[r])[0, 1] for r in common
                        if np.std(ma[r]) > 0 and np.std(mb[r]) > 0]
                if corr:
                    per_ds.setdefault(ds, []).append(float(np.mean(corr)))
        for ds, vals in per_ds.items():
            rows.append({"dataset": ds, "variant": variant, "pairs": len(vals), "mean_corr": float(np.mean(vals))})
    return pd.DataFrame(rows, columns=["dataset", "variant", "pairs", "mean_corr"])
