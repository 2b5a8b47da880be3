"""Published weights: one small API to save a trained model beside its run and to load it back.

A checkpoint is one ``weights.pt`` in a run's folder, written by :func:`save` and read only with
``torch.load(..., weights_only=True)`` (tensors, numbers and strings; no pickled code). It holds

* ``format``: :data:`FORMAT`;
* ``builder``: a name of :data:`BUILDERS` and ``kwargs``: its keyword arguments, so the model is
  rebuilt without the data it was trained on;
* ``state_dict``: floating tensors in float16 (half the size; the chapters check that the stored
  test metrics still reproduce), integer buffers as they are.

>>> import tempfile, torch
>>> from pathlib import Path
>>> from ecgstudy.models import build_iclr_model
>>> model = build_iclr_model("classifier", in_leads=2)
>>> folder = Path(tempfile.mkdtemp())
>>> path = save(model, folder, builder="iclr", kwargs={"method": "classifier", "in_leads": 2})
>>> again = load(folder)
>>> w0, w1 = model.state_dict(), again.state_dict()
>>> all(torch.allclose(w0[k].float(), w1[k].float(), atol=1e-3, rtol=1e-3) for k in w0)
True
>>> again.training
False
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ecgstudy.errors import DataError

#: Version of the file layout.
FORMAT = 1

#: File name of a checkpoint in a run's folder.
FILE = "weights.pt"

#: Experiments whose checkpoints stay beside their runs on the machine that trained them: git ignores them
#: (``.gitignore``), so they are neither committed nor counted in the 40 MB of published weights. The xECGNet
#: PTB-XL networks (8.2 MB each) would take the published weights over 40 MB; training one again takes about
#: 5 minutes on 2 cores (``ecgstudy grid xecgnet --profile cpu`` keeps them).
LOCAL_ONLY = ("xecgnet-ptbxl",)


def _iclr(**kw: Any) -> nn.Module:
    from ecgstudy.models import build_iclr_model

    return build_iclr_model(kw.pop("method"), **kw)


def _xecgnet(**kw: Any) -> nn.Module:
    from ecgstudy.models import XecgNet

    kw["pool_sizes"] = tuple(kw["pool_sizes"])
    return XecgNet(**kw)


def _kanres(**kw: Any) -> nn.Module:
    from ecgstudy.models.kanres_wide_x import KanResWideX

    return KanResWideX(**kw)


def _planted_cnn(**kw: Any) -> nn.Module:
    from ecgstudy.models.planted_cnn import PlantedCNN

    kw["channels"] = tuple(kw["channels"])
    return PlantedCNN(**kw)


#: The models a checkpoint can name: ``builder -> build(**kwargs)``.
BUILDERS: dict[str, Callable[..., nn.Module]] = {"iclr": _iclr, "xecgnet": _xecgnet, "kanres_wide_x": _kanres,
                                                 "planted_cnn": _planted_cnn}


def checkpoint_path(run_dir: str | Path) -> Path:
    """``run_dir / weights.pt``."""
    return Path(run_dir) / FILE


def save(model: nn.Module, run_dir: str | Path, *, builder: str, kwargs: dict[str, Any],
         dtype: torch.dtype = torch.float16) -> Path:
    """Write ``model``'s weights (floating tensors as ``dtype``) and how to rebuild it to ``run_dir/weights.pt``.

    Raises:
        ValueError: ``builder`` is not one of :data:`BUILDERS`.
    """
    if builder not in BUILDERS:
        raise ValueError(f"unknown builder {builder!r}: one of {sorted(BUILDERS)}")
    state = {k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    path = checkpoint_path(run_dir)
    tmp = path.with_suffix(".pt.tmp")
    torch.save({"format": FORMAT, "builder": builder, "kwargs": dict(kwargs), "state_dict": state}, tmp)
    tmp.replace(path)
    return path


def read(run_dir: str | Path) -> dict[str, Any]:
    """The checkpoint's contents (``torch.load(weights_only=True)``).

    Raises:
        DataError: no checkpoint, or one that is not a checkpoint of this format (the message names the file).
    """
    path = checkpoint_path(run_dir)
    if not path.is_file():
        if path.parent.parent.name in LOCAL_ONLY:
            raise DataError(path, f"no checkpoint: the weights of {path.parent.parent.name} runs stay on the machine "
                                  "that trained them (ecgstudy.checkpoints.LOCAL_ONLY); train the run again "
                                  "(ecgstudy run with its parameters and --force)")
        raise DataError(path, "no checkpoint (only runs made with keep_weights=True store their weights)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: say which
        raise DataError(path, f"not a readable checkpoint ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or ckpt.get("builder") not in BUILDERS:
        raise DataError(path, f"not an ecgstudy checkpoint of format {FORMAT}")
    return ckpt


def load(run_dir: str | Path, *, device: str | torch.device = "cpu") -> nn.Module:
    """The model of a run, rebuilt and holding its stored weights in float32, in eval mode."""
    ckpt = read(run_dir)
    model = BUILDERS[ckpt["builder"]](**ckpt["kwargs"])
    reference = model.state_dict()
    state = {k: (v.to(reference[k].dtype) if k in reference else v) for k, v in ckpt["state_dict"].items()}
    model.load_state_dict(state)
    return model.to(device).eval()


def stored(root: str | Path) -> list[Path]:
    """Run folders under ``root`` (e.g. ``results/real``) that hold a checkpoint, sorted (local-only ones too)."""
    return sorted(p.parent for p in Path(root).glob(f"*/*/{FILE}"))


def published(root: str | Path) -> list[Path]:
    """Run folders under ``root`` whose checkpoint is published (committed): :func:`stored` less the
    experiments of :data:`LOCAL_ONLY`, sorted."""
    return [p for p in stored(root) if p.parent.name not in LOCAL_ONLY]


def total_bytes(root: str | Path) -> int:
    """Size of every published checkpoint under ``root`` (held to 40 MB in all)."""
    return sum(checkpoint_path(p).stat().st_size for p in published(root))
