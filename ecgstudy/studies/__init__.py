"""The three papers, one package each (``iclr``, ``xecgnet``, ``ecgradcam``), split the same way:
``params``, ``data``, ``run``, ``experiments``, ``tables``, ``verdicts`` and ``chapter`` (whose
``summarise`` returns everything the chapter's page shows)."""
