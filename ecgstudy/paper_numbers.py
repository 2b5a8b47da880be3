"""Every number the three papers report that the study can compare against, as data.

Each :class:`PaperNumber` names where the paper reports it and which experiment's real-data run
reproduces it (:mod:`ecgstudy.scorecard` fills the values; the chapters cite the paper's values).
"""

from __future__ import annotations

from dataclasses import dataclass

PRIVATE = "not reproducible: private data"
NEEDS_CPSC = "needs CPSC 2018 data"
UNVERIFIED = "paper value unverified (third-party notes)"

#: How the book cites each paper (first author, year).
AUTHORS = {"iclr": "Hu et al. 2021", "xecgnet": "Yoo et al. 2021", "ecgradcam": "Hicks et al. 2021"}


@dataclass(frozen=True)
class PaperNumber:
    """One number a paper reports.

    Attributes:
        key: stable id, e.g. ``"iclr.mitdb.l2.acc"``.
        paper: ``"iclr"``, ``"xecgnet"`` or ``"ecgradcam"``.
        item: what is measured, in words.
        condition: model / setting / data.
        paper_value: the value as reported.
        source: where the value comes from, for developers (``shared/research/paper-specs.md`` section,
            row and evidence tag: [P] paper, [C] authors' code, [S] secondary material).
        experiment: store experiment whose real-data run reproduces it (``None``: no chapter yet).
        metric: key in that run's ``metrics.json`` (dots walk nested dicts).
        blocker: why it cannot be reproduced here, if it cannot.
        beside: ``(dataset, metric)`` pairs of our values on public substitute data shown beside the
            paper's (runs of ``experiment``), e.g. the PTB-XL subset for a CPSC 2018 row; a metric
            ending in ``[i]`` takes the i-th number of a ratio text such as ``"40 : 29 : 31"``.
        where: where in the paper (or its material) the value is, in words, e.g. ``"Table 1"``.
        paper_data: the data the paper measured it on, e.g. ``"MIT-BIH"``.
    """

    key: str
    paper: str
    item: str
    condition: str
    paper_value: float
    source: str
    experiment: str | None = None
    metric: str | None = None
    blocker: str | None = None
    beside: tuple[tuple[str, str], ...] = ()
    where: str = ""
    paper_data: str = ""

    @property
    def citation(self) -> str:
        """The readable source: ``"Hu et al. 2021, Table 1 (...)"``.

        >>> PaperNumber("k", "xecgnet", "micro-F1", "", 0.812, "paper-specs 1.8 row 3 [P]", where="abstract").citation
        'Yoo et al. 2021, abstract'
        """
        return f"{AUTHORS[self.paper]}, {self.where}" if self.where else AUTHORS[self.paper]


def _iclr() -> list[PaperNumber]:
    segments = {"where": "§4.1 and the authors' code", "paper_data": "MIT-BIH"}
    table1 = "Table 1 (via the authors' results spreadsheet)"
    rows = [
        PaperNumber("iclr.mitdb.segments.AN", "iclr", "MIT-BIH segments, normal + APB only",
                    "2,000-sample segments, 2/3-RR boundaries", 356, "paper-specs 2.2 [P/C]",
                    "data-mitdb", "segments.AN", **segments),
        PaperNumber("iclr.mitdb.segments.NV", "iclr", "MIT-BIH segments, normal + PVC only",
                    "2,000-sample segments, 2/3-RR boundaries", 2627, "paper-specs 2.2 [P/C]",
                    "data-mitdb", "segments.NV", **segments),
    ]
    mit = {"classifier": ("Classifier only", 0.981, 0.989, 0.949, 0.988),
           "l2": ("L2-norm pooling (kernel 151-201)", 0.988, 0.996, 0.934, 0.993)}
    for method, (cond, acc, sens, spec, auc) in mit.items():
        for metric, value, item in [("acc", acc, "PVC vs APB accuracy"), ("sens", sens, "PVC recall (sensitivity)"),
                                    ("spec", spec, "APB recall (specificity)"), ("auc", auc, "PVC vs APB ROC AUC")]:
            rows.append(PaperNumber(f"iclr.mitdb.{method}.{metric}", "iclr", item, f"{cond}, 5-fold CV, MIT-BIH",
                                    value, "paper-specs 2.6 rows 9-10 [S spreadsheet]",
                                    "iclr", f"segmentwise.{method}.{metric}.mean", where=table1, paper_data="MIT-BIH"))
    private = [("RV vs LV", "Classifier only", 0.886, 0.912), ("RV vs LV", "ReLU + max pooling", 0.899, 0.918),
               ("RV vs LV", "L2-norm pooling", 0.902, 0.922), ("RV vs LV", "baseline3", 0.705, 0.728),
               ("RVOT vs LVOT", "Classifier only", 0.893, 0.878), ("RVOT vs LVOT", "ReLU + max pooling", 0.896, 0.884),
               ("RVOT vs LVOT", "L2-norm pooling", 0.913, 0.913), ("RVOT vs LVOT", "baseline3", 0.702, 0.618)]
    for task, method, acc, auc in private:
        slug = f"{task.split()[0].lower()}.{method.split()[0].lower()}"
        for metric, value in [("acc", acc), ("auc", auc)]:
            rows.append(PaperNumber(f"iclr.pvc.{slug}.{metric}", "iclr", f"{task} {metric.upper()}", method, value,
                                    "paper-specs 2.6 rows 1-8 [S spreadsheet]", blocker=PRIVATE, where=table1,
                                    paper_data="private PVC-origin cohort"))
    for i, (grade, value) in enumerate([("I", 50), ("II", 27), ("III", 23)]):
        rows.append(PaperNumber(f"iclr.grade.{grade}", "iclr", f"grade study, class {grade} (of 100)",
                                "RVOT vs LVOT, L2, k=200, one cardiologist", value, "paper-specs 2.6 row 11 [P]",
                                "iclr", blocker=PRIVATE + " (the chapter reports an objective MIT-BIH analogue)",
                                beside=(("MIT-BIH (written grading rule)", f"grades.random_100[{i}]"),), where="§5.2",
                                paper_data="private PVC-origin cohort"))
    return rows


XECG_CLASSES = ("AF", "I-AVB", "LBBB", "Normal", "PAC", "PVC", "RBBB", "STD", "STE")
#: Substitute data of the xECGNet chapter: label and key prefix in the chapter's metrics.
XECG_SUBSTITUTES = (("PTB-XL subset", "ptbxl"), ("MIT-BIH windows", "mitdb"))
#: Per substitute (key prefix), our class that stands for each CPSC 2018 class (the chapter's mapping,
#: ``ecgstudy.studies.xecgnet.verdicts.CPSC_CLASS``); CPSC classes left out have no analogue there.
XECG_CLASS_ANALOGUES = {"ptbxl": {"Normal": "NORM"},
                        "mitdb": {"AF": "AF", "LBBB": "LBBB", "Normal": "Normal", "PAC": "APB", "PVC": "PVC",
                                  "RBBB": "RBBB"}}


def _with_substitutes(n: PaperNumber) -> PaperNumber:
    """The CPSC row ``n`` with our values on the substitute data beside it (the same metric key; for a
    per-class F1, the analogous class's, named in the label when it differs)."""
    from dataclasses import replace

    rest = n.metric.partition(".")[2]
    if ".f1." not in rest:
        return replace(n, beside=tuple((label, f"{key}.{rest}") for label, key in XECG_SUBSTITUTES))
    head, _, cls = rest.rpartition(".")
    beside = []
    for label, key in XECG_SUBSTITUTES:
        ours = XECG_CLASS_ANALOGUES[key].get(cls)
        if ours:
            beside.append((label if ours == cls else f"{label} (class {ours})", f"{key}.{head}.{ours}"))
    return replace(n, beside=tuple(beside))


def _xecgnet() -> list[PaperNumber]:
    src = "paper-specs 1.8"
    code = "the authors' code notebook"
    cpsc = {"blocker": NEEDS_CPSC, "paper_data": "CPSC 2018"}
    rows = [
        PaperNumber("xecgnet.cpsc.g0.multi_acc", "xecgnet", "multi-label subset accuracy (91 records)",
                    "ABN baseline, gamma = 0", 0.758, f"{src} row 1 [P]", "xecgnet", "cpsc2018.gamma_0.multi_acc",
                    where="abstract", **cpsc),
        PaperNumber("xecgnet.cpsc.g0.01.multi_acc", "xecgnet", "multi-label subset accuracy (91 records)",
                    "xECGNet, gamma = 0.01", 0.845, f"{src} row 2 [P]", "xecgnet", "cpsc2018.gamma_0.01.multi_acc",
                    where="abstract", **cpsc),
    ]
    sweep = {0: (0.802, 0.719), 0.001: (0.810, 0.734), 0.01: (0.812, 0.726), 0.1: (0.778, 0.665),
             1: (0.799, 0.718), 10: (0.796, 0.694)}
    for gamma, (f1, acc) in sweep.items():
        rows.append(PaperNumber(f"xecgnet.cpsc.g{gamma}.micro_f1", "xecgnet", "micro-F1 (1,376 test records)",
                                f"gamma = {gamma}", f1, f"{src} rows 3, 4, 9 [P/C]", "xecgnet",
                                f"cpsc2018.gamma_{gamma}.micro_f1",
                                where="abstract" if gamma == 0.01 else f"{code} (gamma sweep)", **cpsc))
        rows.append(PaperNumber(f"xecgnet.cpsc.g{gamma}.acc", "xecgnet", "subset accuracy, all records",
                                f"gamma = {gamma}", acc, f"{src} rows 5, 9 [C]", "xecgnet",
                                f"cpsc2018.gamma_{gamma}.acc", where=f"{code} (gamma sweep)", **cpsc))
    for gamma, value in [(0.01, 0.718), (0, 0.717)]:
        rows.append(PaperNumber(f"xecgnet.cpsc.g{gamma}.single_acc", "xecgnet", "subset accuracy, single-label records",
                                f"gamma = {gamma}", value, f"{src} row 6 [C]", "xecgnet",
                                f"cpsc2018.gamma_{gamma}.single_acc", where=code, **cpsc))
    per_class = {0.01: (0.920, 0.892, 0.896, 0.749, 0.421, 0.672, 0.916, 0.751, 0.517),
                 0: (0.911, 0.885, 0.870, 0.749, 0.357, 0.662, 0.921, 0.734, 0.453)}
    for gamma, values in per_class.items():
        for cls, value in zip(XECG_CLASSES, values):
            rows.append(PaperNumber(f"xecgnet.cpsc.g{gamma}.f1.{cls}", "xecgnet", f"F1 {cls}", f"gamma = {gamma}",
                                    value, f"{src} rows 7-8 [C]", "xecgnet", f"cpsc2018.gamma_{gamma}.f1.{cls}",
                                    where=f"{code} (per-class F1)", **cpsc))
    return [_with_substitutes(r) for r in rows]


def _ecgradcam() -> list[PaperNumber]:
    src = "paper-specs 3.7"
    blocked = PRIVATE + "; " + UNVERIFIED

    def ours(*pairs: tuple[str, str]) -> dict:
        return {"experiment": "ecgradcam", "beside": pairs, "paper_data": "private cohort",
                "where": "as reported by third-party study notes (unverified)"}

    return [
        PaperNumber("ecgradcam.sex.acc", "ecgradcam", "sex classification accuracy",
                    "CNN on median beats (private cohort)",
                    0.89, f"{src} row 1 [S-notes]", blocker=blocked,
                    **ours(("LUDB", "targets.ludb.sex.accuracy_mean"),
                           ("PTB-XL subset", "targets.ptbxl.sex.accuracy_mean"))),
        PaperNumber("ecgradcam.sex.auc", "ecgradcam", "sex classification AUC", "CNN on median beats (private cohort)",
                    0.96, f"{src} row 1 [S-notes]", blocker=blocked,
                    **ours(("LUDB", "targets.ludb.sex.auc_mean"), ("PTB-XL subset", "targets.ptbxl.sex.auc_mean"))),
        PaperNumber("ecgradcam.sex_lr_attn.acc", "ecgradcam", "sex, logistic regression accuracy",
                    "QRS duration + attention-derived features", 0.73, f"{src} row 2 [S-notes]", blocker=blocked,
                    **ours(("LUDB", "sex_features.qrs+downslope.accuracy"),)),
        PaperNumber("ecgradcam.sex_lr_attn.auc", "ecgradcam", "sex, logistic regression AUC",
                    "QRS duration + attention-derived features", 0.80, f"{src} row 2 [S-notes]", blocker=blocked,
                    **ours(("LUDB", "sex_features.qrs+downslope.auc"),)),
        PaperNumber("ecgradcam.sex_lr_qrs.acc", "ecgradcam", "sex, logistic regression accuracy", "QRS duration alone",
                    0.69, f"{src} row 3 [S-notes]", blocker=blocked, **ours(("LUDB", "sex_features.qrs.accuracy"),)),
        PaperNumber("ecgradcam.sex_lr_qrs.auc", "ecgradcam", "sex, logistic regression AUC", "QRS duration alone",
                    0.72, f"{src} row 3 [S-notes]", blocker=blocked, **ours(("LUDB", "sex_features.qrs.auc"),)),
    ]


PAPER_NUMBERS: tuple[PaperNumber, ...] = tuple(_iclr() + _xecgnet() + _ecgradcam())
