"""The ICLR model's blocks as a forward pass measures them (the paper's Figure 1, drawn from the model)."""

from __future__ import annotations


def iclr_blocks(*, in_leads: int = 2, samples: int = 2000, kernel_size: int = 151, method: str = "l2"
                ) -> list[dict[str, str]]:
    """The blocks of :func:`ecgstudy.models.build_iclr_model` (``method`` ``"l2"`` or ``"max"``) in the order
    data flows, each with the ``(channels, length)`` of its output, recorded by forward hooks during one
    pass of a zero input ``(1, in_leads, samples)``.

    Returns:
        ``[{"name", "part", "shape"}, ...]``: part is ``input``, ``segmenter``, ``pooling``, ``product``,
        ``classifier`` or ``head``; shape is ``"(channels, length)"`` (``"(classes,)"`` for the head).

    >>> blocks = iclr_blocks(samples=2000)
    >>> [(b["name"], b["shape"]) for b in blocks][:3]
    [('input', '(2, 2000)'), ('U-Net down 1', '(32, 2000)'), ('U-Net down 2', '(64, 1000)')]
    >>> blocks[-1]["shape"]
    '(2,)'
    """
    import torch

    from ecgstudy.models import build_iclr_model

    model = build_iclr_model(method, in_leads=in_leads, kernel_size=kernel_size).eval()
    seg, cls = model.segmenter, model.classifier
    named = [(f"U-Net down {i + 1}" if i < seg.depth else "U-Net bottle-neck", "segmenter", m)
             for i, m in enumerate(seg.down)]
    named += [(f"U-Net up {i + 1}", "segmenter", m) for i, m in enumerate(seg.merge)]
    named += [("U-Net 1x1 conv", "segmenter", seg.head), (f"{method.upper()} pooling k={kernel_size}", "pooling",
                                                          model.pool)]
    named += [("point-wise conv", "classifier", cls.stem)]
    named += [(f"conv block {i + 2}", "classifier", m) for i, m in enumerate(cls.blocks)]
    named += [("GAP + MLP", "head", cls.head)]
    shapes: dict[int, tuple[int, ...]] = {}
    hooks = [m.register_forward_hook(lambda mod, args, out, k=id(m): shapes.__setitem__(k, tuple(out.shape[1:])))
             for _, _, m in named]
    try:
        with torch.no_grad():
            model(torch.zeros(1, in_leads, samples))
    finally:
        for h in hooks:
            h.remove()
    blocks = [{"name": "input", "part": "input", "shape": f"({in_leads}, {samples})"}]
    for name, part, m in named:
        blocks.append({"name": name, "part": part, "shape": str(shapes[id(m)])})
        if part == "pooling":
            blocks.append({"name": "attention x ECG", "part": "product", "shape": f"({in_leads}, {samples})"})
    return blocks
