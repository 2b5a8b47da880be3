"""The three papers, one package each (``iclr``, ``xecgnet``, ``ecgradcam``), split the same way:
``params``, ``data``, ``run``, ``experiments``, ``tables``, ``verdicts`` and ``chapter`` (whose
``summarise`` returns everything the chapter's page shows). ``attribution`` is Chapter 4, which judges
the explanation methods on all of them (so far: its controlled model)."""
