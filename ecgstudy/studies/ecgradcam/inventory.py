"""Every figure and reported result of Hicks et al. (as paper-specs section 3 lists them: the
article's text is not available, so the figures are those third-party notes name, unverified),
what it shows, and where this page reproduces it or why not."""

from __future__ import annotations

import pandas as pd

from ecgstudy.report import Table

#: ``(paper item, what it shows, where on this page or why not)``.
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("Figure: model and method overview", "KanResWide_X and how ECGradCAM maps are made",
     "Not drawn: the method is described under Method and setup (ecgstudy.models.KanResWideX, ecgstudy.attribution); "
     "the article's figure is not in this project's sources"),
    ("Figure: ECGradCAM maps for interval and amplitude targets", "where each measurement network looks",
     "Figures fig-ecgradcam-maps (LUDB) and fig-ecgradcam-maps-transfer (PTB-XL to LUDB), both variants; measured "
     "by the region table and claim 1"),
    ("Figure: sex-prediction maps", "the sex network attends to the R-wave downslope",
     "The sex row of fig-ecgradcam-maps and the region table (region: the R-wave downslope); the feature it "
     "suggests is tested by claim 4"),
    ("Figure: wave-blocking results", "blocking the defining wave hurts the model most",
     "The wave-blocking tables (harm per wave, worst vs next) and claim 3"),
    ("Supplementary figure: layer-wise map comparison", "earlier layers give broader maps",
     "The layer table (region ratio per variant and layer) and fig-ecgradcam-leads (one layer, every lead)"),
    ("Result: sex CNN accuracy 89 %, AUC 0.96", "a CNN classifies sex from median beats",
     "The scores table (LUDB, PTB-XL subset) and the sex-network claims"),
    ("Result: logistic regression with attention-derived features 73 % / AUC 0.80; QRS duration alone 69 % / 0.72",
     "a feature found in the maps adds information", "The sex feature table and claim 4 (LUDB)"),
    ("Result: model vs two cardiologists, errors 4-5 times lower", "the network measures better than cardiologists",
     "Not reproduced: LUDB has one annotation per record; the network is compared with NeuroKit2's classical "
     "delineator instead (delineator table)"),
    ("Result: per-fold MAE/MSE per target", "how well each target is learned",
     "Not in the paper's available sources (the code only logs them); ours: the scores table"),
)


def inventory_table() -> Table:
    """The inventory as a page table.

    >>> t = inventory_table()
    >>> len(t.frame), list(t.frame.columns)
    (9, ['paper item', 'what it shows', 'on this page'])
    """
    frame = pd.DataFrame(list(ITEMS), columns=["paper item", "what it shows", "on this page"])
    return Table(frame, "Every figure and reported result of the paper (per paper-specs 3.7; the figures as third-party "
                        "notes list them, unverified) and where this page reproduces it, or why not")
