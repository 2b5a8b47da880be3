"""The models of Chapter 4's benchmark: one *slot* per model the issue names, resolved to a stored checkpoint.

* ``iclr_classifier``, ``iclr_l2``: runs of ``iclr-fold`` (classifier / l2, segment-wise, fold 0, seed 0,
  ``cpu``). Inputs: the run's held-out fold of MIT-BIH PVC / APB segments
  (:func:`~ecgstudy.studies.iclr.run.fold_indices`), 360 Hz; target: the true class (log-odds column 1 PVC,
  0 APB); region: the annotated PVC and APB beats, the padding not scored.
* ``xecgnet_gamma0``, ``xecgnet_gamma001``: runs of ``xecgnet-mitdb`` (gamma 0 / 0.01, the paper's regulariser,
  seed 0, ``cpu``). Inputs: the run's test windows (records never trained on) that hold a PVC, 100 Hz; target:
  the PVC column of the averaged probabilities; region: the annotated PVC beats.
* ``xecgnet_ptbxl_gamma0``, ``xecgnet_ptbxl_gamma001``: runs of ``xecgnet-ptbxl`` (gamma 0 / 0.01, seed 0,
  ``cpu``; their weights are not published, :data:`ecgstudy.checkpoints.LOCAL_ONLY`). Inputs: LUDB's 10-s
  records (never trained on), resampled to 100 Hz and normalised as the run normalised PTB-XL; one item per
  record and PTB-XL superclass its diagnoses name (:mod:`ecgstudy.data.ludb_superclasses`; paced records left
  out); target: that superclass's column; region: where the superclass is read (e.g. CD: the QRS, or P onset to
  QRS onset for an AV block), per lead from the cardiologists' delineation; the samples scored: the annotated
  span (LUDB leaves the first and last beats unannotated).
* ``ecgradcam_qrs``, ``ecgradcam_qt``, ``ecgradcam_pr``: runs of ``ecgradcam-transfer`` (qrs_ms / qt_ms / pr_ms,
  fold 0, seed 0, ``cpu``). Inputs: LUDB's median beats in PTB-XL style (never trained on; every record with
  the target), 500 Hz; target: the network's one output; region: the waves that define the target (QRS; QRS
  and T; P and QRS), per lead from the cardiologists' delineation.
* ``ecgradcam_sex``: the run of ``ecgradcam-ptbxl`` (sex, fold 0, seed 0, ``cpu``). Inputs: the same LUDB beats
  (it was trained on PTB-XL, so LUDB is held out); target: the male logit; region: the QRS (its R-wave
  downslope is the paper's sex feature).
* ``controlled``: the run of ``attribution-controlled`` at the page's profile. Inputs: the run's test records
  of the synthetic task, at the run's fs; target: the true class; region: the planted wave, exactly.

:func:`resolve` finds a slot's run folder with a checkpoint (``weights.pt``,
:func:`ecgstudy.checkpoints.published`) among the finished runs of its experiment whose parameters hold the
slot's values, newest first, or says why there is none (*not trained yet* and which grid stores it, or a
run that kept no weights). :func:`slot_inputs` rebuilds the held-out inputs of a found run with its chapter's
own data loaders and split, picks at most ``max_records`` of them spread over patients and classes
(:func:`pick_records`), and returns them with their targets, patients, regions and the beat / wave feature
mask of the perturbation methods (:class:`SlotInputs`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ecgstudy.errors import ParameterError
from ecgstudy.studies.attribution.regions import Regions


@dataclass(frozen=True)
class Slot:
    """One model of the benchmark.

    Attributes:
        key: the slot's name (a benchmark run's ``slot`` parameter).
        paper: ``"ICLR"``, ``"xECGNet"``, ``"ECGradCAM"`` or ``"controlled"``.
        title: the model in words.
        experiment: the training experiment whose run holds the weights.
        match: parameters the run must have (``profile`` is the page's for the controlled slot).
        datasets: the real datasets the benchmark reads for it (empty: synthetic by design).
        trained_by: which grid stores the weights, for the reason a slot is missing.
    """

    key: str
    paper: str
    title: str
    experiment: str
    match: dict
    datasets: tuple[str, ...]
    trained_by: str

    @property
    def data_kind(self) -> str:
        """``"real"`` when the slot's model was trained on real data, else ``"synthetic"``."""
        return "real" if self.datasets else "synthetic"


_CPU0 = {"profile": "cpu", "seed": 0, "keep_weights": True}
_ICLR = ("the converged ICLR grid (ecgstudy grid iclr --profile cpu), which keeps the weights of seed 0, "
         "segment-wise fold 0 of every method")
_XECG = ("the converged xECGNet grid (ecgstudy grid xecgnet --profile cpu), which keeps the weights of seed 0 "
         "of the MIT-BIH runs at gamma 0 and 0.01")
_XECG_PTBXL = ("the converged xECGNet grid (ecgstudy grid xecgnet --profile cpu), which keeps the weights of seed 0 "
               "of the PTB-XL runs at gamma 0 and 0.01 on the machine that trains them (they are not published: "
               "ecgstudy.checkpoints.LOCAL_ONLY; about 5 minutes each on 2 cores)")
_ECGRADCAM = ("the converged ECGradCAM grid (ecgstudy grid ecgradcam --profile cpu), which keeps the weights of "
              "fold 0, seed 0 of the transfer networks and the PTB-XL sex network")

#: Every slot, in the page's order.
SLOTS: dict[str, Slot] = {s.key: s for s in (
    Slot("iclr_classifier", "ICLR", "ICLR classifier alone", "iclr-fold",
         {**_CPU0, "method": "classifier", "split": "segment", "fold": 0}, ("mitdb",), _ICLR),
    Slot("iclr_l2", "ICLR", "ICLR joint model (L2 pooling)", "iclr-fold",
         {**_CPU0, "method": "l2", "split": "segment", "fold": 0, "kernel_size": 151}, ("mitdb",), _ICLR),
    Slot("xecgnet_gamma0", "xECGNet", "xECGNet at gamma 0 (attention branch only)", "xecgnet-mitdb",
         {**_CPU0, "gamma": 0.0, "regulariser": "paper"}, ("mitdb",), _XECG),
    Slot("xecgnet_gamma001", "xECGNet", "xECGNet at the paper's gamma 0.01", "xecgnet-mitdb",
         {**_CPU0, "gamma": 0.01, "regulariser": "paper"}, ("mitdb",), _XECG),
    Slot("xecgnet_ptbxl_gamma0", "xECGNet", "xECGNet (PTB-XL) at gamma 0, tested on LUDB", "xecgnet-ptbxl",
         {**_CPU0, "gamma": 0.0, "regulariser": "paper"}, ("ptbxl", "ludb"), _XECG_PTBXL),
    Slot("xecgnet_ptbxl_gamma001", "xECGNet", "xECGNet (PTB-XL) at the paper's gamma 0.01, tested on LUDB",
         "xecgnet-ptbxl", {**_CPU0, "gamma": 0.01, "regulariser": "paper"}, ("ptbxl", "ludb"), _XECG_PTBXL),
    Slot("ecgradcam_qrs", "ECGradCAM", "ECGradCAM transfer network: QRS duration", "ecgradcam-transfer",
         {**_CPU0, "target": "qrs_ms", "fold": 0}, ("ludb",), _ECGRADCAM),
    Slot("ecgradcam_qt", "ECGradCAM", "ECGradCAM transfer network: QT interval", "ecgradcam-transfer",
         {**_CPU0, "target": "qt_ms", "fold": 0}, ("ludb",), _ECGRADCAM),
    Slot("ecgradcam_pr", "ECGradCAM", "ECGradCAM transfer network: PR interval", "ecgradcam-transfer",
         {**_CPU0, "target": "pr_ms", "fold": 0}, ("ludb",), _ECGRADCAM),
    Slot("ecgradcam_sex", "ECGradCAM", "ECGradCAM PTB-XL sex network", "ecgradcam-ptbxl",
         {**_CPU0, "target": "sex", "fold": 0}, ("ludb",), _ECGRADCAM),
    Slot("controlled", "controlled", "the controlled model (a small CNN; label planted in the P wave)",
         "attribution-controlled", {"keep_weights": True}, (),
         "the chapter page, which trains it (attribution-controlled) at its own profile"),
)}
#: The papers in the page's order.
PAPERS: tuple[str, ...] = ("ICLR", "xECGNet", "ECGradCAM", "controlled")


def get_slot(key: str) -> Slot:
    """The slot called ``key``; a :class:`ParameterError` naming the slots otherwise."""
    if key not in SLOTS:
        raise ParameterError(f"unknown model slot {key!r}: expected one of {', '.join(SLOTS)}")
    return SLOTS[key]


def slot_match(slot: Slot, *, profile: str) -> dict:
    """The parameters a run must hold for ``slot`` (the controlled model: also the page's ``profile``)."""
    return {**slot.match, "profile": profile} if slot.key == "controlled" else dict(slot.match)


def params_hold(params: dict, match: dict) -> bool:
    """Whether ``params`` (a run record's) has every value of ``match`` (numbers compared as numbers).

    >>> params_hold({"gamma": 0, "seed": 0, "lr": 1e-3}, {"gamma": 0.0, "seed": 0}), params_hold({}, {"seed": 0})
    (True, False)
    """
    return all(k in params and params[k] == v for k, v in match.items())


@dataclass(frozen=True)
class Resolved:
    """A slot and the run folder holding its weights, or why there is none.

    Attributes:
        slot: the slot.
        run_dir: the run folder (``None``: missing).
        reason: why it is missing (empty when found).
    """

    slot: Slot
    run_dir: Path | None
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.run_dir is not None

    @property
    def run_id(self) -> str:
        return self.run_dir.name if self.run_dir is not None else ""


def _finished(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    if not folder.is_dir():
        return out
    for child in folder.iterdir():
        info_path = child / "run.json"
        if ".tmp-" in child.name or child.name.startswith(".") or not info_path.is_file():
            continue
        try:
            info = json.loads(info_path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("status") == "done":
            out.append((child, info))
    out.sort(key=lambda p: str(p[1].get("started", "")), reverse=True)
    return out


def resolve(slot: Slot | str, root: str | Path, *, profile: str = "cpu") -> Resolved:
    """The newest finished run of ``slot``'s experiment under the store ``root`` (e.g. ``results``) whose
    parameters hold :func:`slot_match` and which stored its weights; else why there is none. A run of an
    experiment whose weights stay where they were trained (:data:`ecgstudy.checkpoints.LOCAL_ONLY`) is found
    without them, the reason saying so: its committed benchmark run is read, and a new one stops on the missing
    checkpoint, naming the file."""
    from ecgstudy.checkpoints import LOCAL_ONLY
    from ecgstudy.checkpoints import stored as with_checkpoint

    slot = get_slot(slot) if isinstance(slot, str) else slot
    folder = Path(root) / slot.data_kind / slot.experiment
    runs = [(p, info) for p, info in _finished(folder) if params_hold(info.get("params", {}),
                                                                      slot_match(slot, profile=profile))]
    kept = set(with_checkpoint(Path(root) / slot.data_kind))
    with_weights = [p for p, _ in runs if p in kept]
    if with_weights:
        return Resolved(slot, with_weights[0])
    if runs and slot.experiment in LOCAL_ONLY:  # its committed benchmark run still stands; a new one needs the weights
        return Resolved(slot, runs[0][0], f"its run {runs[0][0].name} keeps its weights only on the machine that "
                                          "trained it (ecgstudy.checkpoints.LOCAL_ONLY)")
    if runs:
        return Resolved(slot, None, f"its run {runs[0][0].name} finished without weights (keep_weights)")
    return Resolved(slot, None, f"not trained yet: {slot.trained_by}")


# ------------------------------------------------------------------------------------------------------------
# Held-out inputs
# ------------------------------------------------------------------------------------------------------------

@dataclass
class SlotInputs:
    """What the benchmark explains for one model.

    Attributes:
        x: ``(n, leads, samples)`` float32 model inputs (the chapter's units).
        target: ``(n,)`` int64 output column each map explains.
        records: ``(n,)`` str, the held-out item (segment, window, record) ids.
        patients: ``(n,)`` str, the patient of each (the unit of the intervals).
        regions: the ground truth (:class:`~ecgstudy.studies.attribution.regions.Regions`).
        feature_mask: ``(n, samples)`` int64 beat or wave ids for KernelSHAP and LIME.
        fs: Hz. lead_names: one per lead.
        output: the adapter output the score methods explain (None: the model family's default).
        description: which records these are, in words.
        n_available: held-out records before ``max_records`` was applied.
        labels: ``(n,)`` the class (or value) of each record, for the figures.
        model_score: the model's score on the records it is tested on here, where they are not its own held-out
            split (the xECGNet PTB-XL networks on LUDB: AUROC per superclass); empty otherwise.
    """

    x: np.ndarray
    target: np.ndarray
    records: np.ndarray
    patients: np.ndarray
    regions: Regions
    feature_mask: np.ndarray
    fs: float
    lead_names: tuple[str, ...]
    output: str | None
    description: str
    n_available: int
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model_score: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.x.shape[0])


def pick_records(groups: Sequence[str] | np.ndarray, labels: Sequence | np.ndarray, n: int | None, *,
                 seed: int = 0) -> np.ndarray:
    """Positions of at most ``n`` items spread over groups and classes: the classes take turns (the
    rarest first), and within a class every group (patient) gives one item before any gives a second,
    the groups' order and each group's items seeded. ``n=None``: every item, in that order.

    >>> pick_records(["a", "a", "a", "b", "b", "c"], [0, 0, 0, 0, 1, 0], 4).tolist()  # class 1, then b, a, c
    [4, 3, 2, 5]
    """
    g = np.asarray(groups).astype(str)
    y = np.asarray(labels)
    if g.shape != y.shape or g.ndim != 1:
        raise ParameterError(f"pick_records: groups {g.shape} and labels {y.shape}: expected two (n,) arrays")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(g))
    queues = []
    classes, counts = np.unique(y, return_counts=True)
    for c in classes[np.argsort(counts, kind="stable")]:
        items = [int(i) for i in perm if y[i] == c]
        seen: dict[str, int] = {}
        rank = []
        for i in items:
            seen[g[i]] = seen.get(g[i], -1) + 1
            rank.append(seen[g[i]])
        queues.append([items[k] for k in np.argsort(rank, kind="stable")])
    out: list[int] = []
    total = len(g) if n is None else min(int(n), len(g))
    while len(out) < total:
        for q in queues:
            if q and len(out) < total:
                out.append(q.pop(0))
    return np.asarray(out, dtype=np.int64)


def cell_mask(peaks: np.ndarray, n_samples: int, *, fs: float) -> np.ndarray:
    """``(n_samples,)`` int64 feature ids of a window's beats (RR cells, beat ``k`` -> ``k + 1``; none: 0).

    >>> cell_mask(np.array([150, 450, 750]), 1000, fs=100.0)[[0, 249, 250, 549, 550, 999]].tolist()
    [1, 1, 2, 2, 3, 3]
    """
    from ecgstudy.explain.beat_masks import extents_from_peaks

    out = np.zeros(n_samples, np.int64)
    peaks = np.asarray(peaks, dtype=np.int64)
    peaks = peaks[(peaks >= 0) & (peaks < n_samples)]
    start, stop = extents_from_peaks(np.unique(peaks), 0, n_samples, fs=fs)
    for k, (a, b) in enumerate(zip(start.tolist(), stop.tolist())):
        out[a:b] = k + 1
    return out


def wave_feature_mask(fiducials: np.ndarray, n_samples: int) -> np.ndarray:
    """``(n, n_samples)`` int64 ids: P -> 1, QRS -> 2, T -> 3 (onset to offset, global fiducials), else 0.

    >>> wave_feature_mask(np.array([[1, 2, 2, 4, 5, 5, 7, 8, 8]]), 10).tolist()
    [[0, 1, 1, 0, 2, 2, 0, 3, 3, 0]]
    """
    from ecgstudy.studies.attribution.regions import wave_masks

    f = np.asarray(fiducials, dtype=np.int64)
    out = np.zeros((f.shape[0], n_samples), np.int64)
    for k, w in enumerate(("p", "qrs", "t"), start=1):
        m = wave_masks(f, (w,), n_samples=n_samples, leads=1)[:, 0]
        out[m] = k
    return out


def _read_params(run_dir: Path) -> tuple[dict, dict]:
    from ecgstudy.runs.store import read_run_info

    info = read_run_info(Path(run_dir) / "run.json")
    return info, info["params"]


def _iclr_inputs(run_dir: Path, source, max_records: int | None, seed: int) -> SlotInputs:
    from ecgstudy.attribution.methods import beat_feature_mask
    from ecgstudy.data.patients import patient_ids
    from ecgstudy.studies.attribution.regions import abnormal_beat_masks
    from ecgstudy.studies.iclr.data import labels, load_segments
    from ecgstudy.studies.iclr.params import IclrFoldParams
    from ecgstudy.studies.iclr.run import fold_indices

    _, raw = _read_params(run_dir)
    params = IclrFoldParams.model_validate(raw)
    segments = load_segments(source.kind, n_synthetic=params.n_synthetic_segments, folder=source.folders.get("mitdb"))
    _, _, test_idx = fold_indices(params, segments, source)
    y = labels(segments)[test_idx]
    patients = patient_ids("mitdb" if source.kind == "real" else "synthetic", segments.record_ids[test_idx])
    idx = test_idx[pick_records(patients, y, max_records, seed=seed)]
    sub = segments.subset(idx)
    return SlotInputs(
        x=sub.signals.astype(np.float32), target=labels(sub), records=np.array([f"{r}@{s}" for r, s in
                                                                              zip(sub.record_ids, sub.start)]),
        patients=patient_ids("mitdb" if source.kind == "real" else "synthetic", sub.record_ids),
        regions=abnormal_beat_masks(sub), feature_mask=beat_feature_mask(sub, range(len(sub))).numpy(),
        fs=float(segments.fs), lead_names=tuple(segments.lead_names), output=None,
        description=(f"{len(sub)} of the {len(test_idx)} held-out segments of fold {params.fold} "
                     f"({params.split}-wise folds, seed {params.seed})"),
        n_available=int(len(test_idx)), labels=labels(sub))


#: The xECGNet class whose beats the benchmark localises (the beat-local class with most MIT-BIH windows).
XECGNET_CLASS = "PVC"


def _xecgnet_inputs(run_dir: Path, source, max_records: int | None, seed: int) -> SlotInputs:
    from ecgstudy.data.patients import patient_ids
    from ecgstudy.studies.attribution.regions import window_class_masks
    from ecgstudy.studies.xecgnet.data import load_data
    from ecgstudy.studies.xecgnet.params import XecgRunParams, dataset_of

    info, raw = _read_params(run_dir)
    params = XecgRunParams.model_validate(raw)
    data = load_data(dataset_of(info["experiment"]), params, source)
    if XECGNET_CLASS not in data.class_names or data.test_beats is None:
        raise ParameterError(f"{run_dir}: the run's data has no {XECGNET_CLASS} class with beats")
    c = data.class_names.index(XECGNET_CLASS)
    held = np.flatnonzero(data.y["test"][:, c] == 1)
    ids = data.ids["test"].astype(str)
    patients = patient_ids("mitdb" if source.kind == "real" else "synthetic", [i.split(":")[0] for i in ids[held]])
    idx = held[pick_records(patients, np.zeros(len(held)), max_records, seed=seed)]
    x = data.x["test"][idx].astype(np.float32)
    n_samples = x.shape[-1]
    fm = np.stack([cell_mask(data.test_beats(int(i))[0], n_samples, fs=data.fs) for i in idx]) if len(idx) else \
        np.zeros((0, n_samples), np.int64)
    return SlotInputs(
        x=x, target=np.full(len(idx), c, np.int64), records=ids[idx],
        patients=patient_ids("mitdb" if source.kind == "real" else "synthetic", [i.split(":")[0] for i in ids[idx]]),
        regions=window_class_masks(data.test_beats, idx, n_samples=n_samples, leads=x.shape[1], fs=data.fs,
                                   cls=XECGNET_CLASS),
        feature_mask=fm, fs=float(data.fs), lead_names=tuple(data.lead_names), output=None,
        description=f"{len(idx)} of the {len(held)} test windows with a {XECGNET_CLASS} (records never trained on)",
        n_available=int(len(held)), labels=np.ones(len(idx), np.int64))


def ludb_lead_fiducials(source, record_ids: Sequence[str], lead_names: Sequence[str]) -> np.ndarray | None:
    """``(n, leads, 9)`` per-lead fiducials of LUDB records in PTB-XL style (the cardiologists' per-lead
    delineation mapped onto the median beat, as the chapter's cached beats were built); ``None`` on
    synthetic data (its fiducials are global by construction)."""
    if source.kind != "real":
        return None
    from ecgstudy.data.median_beat_sources import ludb_median_beats
    from ecgstudy.data.ptbxl_style import ptbxl_subset_style
    from ecgstudy.studies.attribution.regions import lead_fiducial_array

    mb = ludb_median_beats(source.folders["ludb"], records=list(record_ids), transform=ptbxl_subset_style,
                           progress=False)
    return lead_fiducial_array(mb.lead_fiducials, record_ids, lead_names)


def _ecgradcam_inputs(run_dir: Path, source, max_records: int | None, seed: int) -> SlotInputs:
    from ecgstudy.studies.attribution.regions import ludb_wave_regions, wave_masks
    from ecgstudy.studies.ecgradcam.params import EcgradcamRunParams
    from ecgstudy.studies.ecgradcam.transfer import load_transfer_test
    from ecgstudy.studies.ecgradcam.verdicts import defining_waves

    _, raw = _read_params(run_dir)
    params = EcgradcamRunParams.model_validate(raw)
    test = load_transfer_test(source, n_synthetic=params.n_synthetic)
    waves = defining_waves(params.target)
    y = test.target(params.target)
    defined = wave_masks(test.fiducials, waves, n_samples=test.x.shape[-1], leads=1)[:, 0].any(axis=1)
    held = np.flatnonzero(np.isfinite(y) & defined)
    ids = test.record_ids.astype(str)
    idx = held[pick_records(ids[held], np.zeros(len(held)), max_records, seed=seed)]
    lead_f = ludb_lead_fiducials(source, list(ids[idx]), test.lead_names) if len(idx) else None
    n_samples = test.x.shape[-1]
    return SlotInputs(
        x=test.x[idx].astype(np.float32), target=np.zeros(len(idx), np.int64), records=ids[idx], patients=ids[idx],
        regions=ludb_wave_regions(test.fiducials[idx], waves, n_samples=n_samples, leads=test.x.shape[1],
                                  lead_fiducials=lead_f),
        feature_mask=wave_feature_mask(test.fiducials[idx], n_samples), fs=float(test.fs),
        lead_names=tuple(test.lead_names), output=None,
        description=(f"{len(idx)} of the {len(held)} LUDB median beats with a {params.target} value and its "
                     f"waves delineated (PTB-XL style; never trained on)"),
        n_available=int(len(held)), labels=y[idx])


def ludb_superclass_auroc(probs: np.ndarray, labels: np.ndarray, classes: Sequence[str]) -> dict:
    """AUROC of each superclass (``probs`` and 0/1 ``labels`` ``(n, len(classes))``) where both labels occur, and
    their mean (``macro_auroc``; a constant score reads 0.5), with the records and positives counted.

    >>> r = ludb_superclass_auroc(np.array([[0.9, 0.2], [0.1, 0.3]]), np.array([[1, 0], [0, 0]]), ["MI", "CD"])
    >>> r["auroc"], r["macro_auroc"], r["positives"]
    ({'MI': 1.0}, 1.0, {'MI': 1, 'CD': 0})
    """
    from sklearn.metrics import roc_auc_score

    y = np.asarray(labels)
    auroc = {c: float(roc_auc_score(y[:, j], probs[:, j])) for j, c in enumerate(classes)
             if 0 < y[:, j].sum() < len(y)}
    return {"auroc": auroc, "macro_auroc": float(np.mean(list(auroc.values()))) if auroc else float("nan"),
            "n_records": int(len(y)), "positives": {c: int(y[:, j].sum()) for j, c in enumerate(classes)}}


#: The xECGNet PTB-XL runs' records: 10 s at 100 Hz (:func:`ecgstudy.studies.xecgnet.data.ptbxl_split_data`).
PTBXL_FS, PTBXL_SECONDS = 100.0, 10.0


def _xecgnet_ludb_inputs(run_dir: Path, source, max_records: int | None, seed: int) -> SlotInputs:
    from ecgstudy.attribution.methods import interval_mask
    from ecgstudy.checkpoints import load
    from ecgstudy.data.inputs import LeadNormaliser, resample
    from ecgstudy.data.ludb import ludb_records, read_ludb_record, waves_to_beats
    from ecgstudy.data.ludb_superclasses import SEGMENT_WORDS, TESTED, is_paced, reading_segments, superclasses
    from ecgstudy.studies.attribution.regions import Regions, annotated_span, segment_mask
    from ecgstudy.studies.xecgnet.data import ptbxl_split_data
    from ecgstudy.studies.xecgnet.params import XecgRunParams
    from ecgstudy.training import field as out_field
    from ecgstudy.training import predict

    _, raw = _read_params(run_dir)
    params = XecgRunParams.model_validate(raw)
    stored = json.loads((Path(run_dir) / "metrics.json").read_text()) if (Path(run_dir) / "metrics.json").is_file() \
        else {}
    if "normaliser" in stored:  # the run stored the per-lead normalisation it fitted on PTB-XL
        norm = LeadNormaliser(mean=np.asarray(stored["normaliser"]["mean"]), sd=np.asarray(stored["normaliser"]["sd"]))
        class_names, fs = tuple(stored["class_names"]), PTBXL_FS
    else:  # fit it again as the run did
        ptbxl = ptbxl_split_data(source.folders["ptbxl"], normalisation=params.normalisation)
        norm, class_names, fs = ptbxl.normaliser, ptbxl.class_names, float(ptbxl.fs)
    n_out = int(round(PTBXL_SECONDS * fs))
    folder = source.folders["ludb"]
    ids, xs, dx, waves = [], [], [], []
    for rid in ludb_records(folder):
        rec, w = read_ludb_record(folder, rid)
        if is_paced(rec.meta["diagnoses"]) or not superclasses(rec.meta["diagnoses"]):
            continue
        sig = resample(rec.signal, rec.fs, fs)[:, :n_out]
        ids.append(str(rid))
        xs.append(norm.apply(sig))
        dx.append(rec.meta["diagnoses"])
        waves.append([w[lead] for lead in rec.lead_names])
        lead_names, scale = tuple(rec.lead_names), fs / rec.fs
    if not ids:
        raise ParameterError(f"{folder}: no LUDB record with a diagnosis of {', '.join(TESTED)} (unpaced)")
    x_all = np.stack(xs).astype(np.float32)
    y_all = np.array([[c in superclasses(d) for c in TESTED] for d in dx], np.int64)
    cols = [class_names.index(c) for c in TESTED]
    probs = predict(load(run_dir), x_all, fields={"probs": out_field("probs")})["probs"][:, cols]
    score = ludb_superclass_auroc(probs, y_all, TESTED)
    items = [(i, c) for i, d in enumerate(dx) for c in superclasses(d)]
    rec_of = np.array([i for i, _ in items], np.int64)
    cls_of = np.array([c for _, c in items])
    pick = pick_records(np.array(ids)[rec_of], cls_of, max_records, seed=seed)
    masks, valid, fmask, used = [], [], [], set()
    for k in pick:
        i, c = int(rec_of[k]), str(cls_of[k])
        segs = reading_segments(dx[i], c)
        used.update(segs)
        beats = [waves_to_beats(t) for t in waves[i]]
        masks.append(np.stack([segment_mask(b, segs, n_samples=n_out, scale=scale) for b in beats]))
        span = annotated_span(waves[i], n_samples=n_out, scale=scale)
        masks[-1] &= span[None, :]
        valid.append(span)
        lead2 = waves[i][lead_names.index("II")] if "II" in lead_names else waves[i][0]
        intervals, last = [], -1
        for on, off in sorted(zip(lead2["onset"].to_numpy(), lead2["offset"].to_numpy())):
            lo, hi = max(int(np.floor(on * scale)), last + 1), min(int(np.floor(off * scale)), n_out - 1)
            if lo <= hi:
                intervals.append((lo, hi))
                last = hi
        fmask.append(interval_mask([intervals], n_out).numpy()[0])
    n = len(pick)
    region = Regions(np.stack(masks) if n else np.zeros((0, len(lead_names), n_out), bool),
                     np.stack(valid) if n else np.zeros((0, n_out), bool),
                     "where the superclass is read (" + "; ".join(f"{SEGMENT_WORDS[s]}" for s in sorted(used)) +
                     "), per lead, the cardiologists' delineation")
    return SlotInputs(
        x=x_all[rec_of[pick]], target=np.array([class_names.index(str(c)) for c in cls_of[pick]], np.int64),
        records=np.array([f"{ids[int(rec_of[k])]}:{cls_of[k]}" for k in pick]), patients=np.array(ids)[rec_of[pick]],
        regions=region, feature_mask=np.stack(fmask) if n else np.zeros((0, n_out), np.int64), fs=fs,
        lead_names=lead_names, output=None,
        description=(f"{n} of the {len(items)} (record, superclass) pairs of the {len(ids)} LUDB records with a "
                     f"diagnosis of {', '.join(TESTED)} (10 s resampled to {fs:g} Hz, normalised as PTB-XL; never "
                     f"trained on; paced records left out)"),
        n_available=len(items), labels=np.array([class_names.index(str(c)) for c in cls_of[pick]], np.int64),
        model_score=score)


def planted_inputs(planted, *, description: str = "", n_available: int | None = None) -> SlotInputs:
    """:class:`SlotInputs` of records of the controlled task (a :class:`~ecgstudy.synthetic.planted.PlantedSet`):
    target the true class, each record its own patient, region the planted wave, features every beat's P, QRS
    and T (:func:`~ecgstudy.attribution.methods.interval_mask`, the rest one background feature)."""
    from ecgstudy.attribution.methods import interval_mask
    from ecgstudy.studies.attribution.regions import planted_regions

    n_samples = planted.signals.shape[-1]
    intervals = [sorted((int(a), int(b)) for w in ("P", "QRS", "T") for a, b in planted.intervals[w][i])
                 for i in range(len(planted))]
    fm = interval_mask(intervals, n_samples).numpy() if len(planted) else np.zeros((0, n_samples), np.int64)
    ids = planted.record_ids.astype(str)
    return SlotInputs(
        x=planted.signals.astype(np.float32), target=planted.labels.astype(np.int64), records=ids, patients=ids,
        regions=planted_regions(planted), feature_mask=fm, fs=float(planted.fs), lead_names=tuple(planted.lead_names),
        output=None, description=description or f"{len(planted)} records of the controlled task",
        n_available=len(planted) if n_available is None else int(n_available), labels=planted.labels.astype(np.int64))


def _controlled_inputs(run_dir: Path, source, max_records: int | None, seed: int) -> SlotInputs:
    from ecgstudy.studies.attribution.controlled import records, split_indices
    from ecgstudy.studies.attribution.params import ControlledParams

    _, raw = _read_params(run_dir)
    params = ControlledParams.model_validate(raw)
    _, _, test_idx = split_indices(params)
    test = records(params, int(test_idx[0]), int(test_idx[-1]) + 1)
    sub = test.subset(pick_records(test.record_ids, test.labels, max_records, seed=seed))
    return planted_inputs(sub, n_available=len(test_idx), description=(
        f"{len(sub)} of the {len(test_idx)} held-out records of the controlled task (label planted in the "
        f"{params.wave} wave's {params.rule})"))


_LOADERS = {"iclr-fold": _iclr_inputs, "xecgnet-mitdb": _xecgnet_inputs, "xecgnet-ptbxl": _xecgnet_ludb_inputs, "ecgradcam-transfer": _ecgradcam_inputs,
            "ecgradcam-ptbxl": _ecgradcam_inputs, "attribution-controlled": _controlled_inputs}


def slot_inputs(slot: Slot | str, run_dir: str | Path, source, *, max_records: int | None,
                seed: int = 0) -> SlotInputs:
    """The held-out inputs of ``slot``'s run ``run_dir`` on ``source`` (the benchmark run's resolved data),
    at most ``max_records`` of them (see the module docstring)."""
    slot = get_slot(slot) if isinstance(slot, str) else slot
    if slot.data_kind == "real" and source.kind != "real":
        raise ParameterError(f"slot {slot.key}: its model was trained on real data; the benchmark needs "
                             f"{', '.join(slot.datasets)} (data resolved to {source.kind}: {source.reason})")
    return _LOADERS[slot.experiment](Path(run_dir), source, max_records, seed)
