"""The project's repository, read from the book's ``_config.yml`` (``repository: url, branch``), and the links
built on it: Binder and Colab launch links, a file's page on GitHub, the ``pip install`` source.

Jupyter Book's own launch buttons open the page's own path, ``book/generated/<page>.ipynb``, an executed copy
that is not in the repository; these links open a notebook that is (the student copy in ``classroom/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ecgstudy import paths
from ecgstudy.errors import ParameterError


@dataclass(frozen=True)
class Repository:
    """A GitHub repository and branch.

    >>> r = Repository("ecgstudy", "ecgstudy", "main")
    >>> r.binder_url("classroom/iclr.ipynb")
    'https://mybinder.org/v2/gh/ecgstudy/ecgstudy/main?labpath=classroom/iclr.ipynb'
    >>> r.colab_url("classroom/iclr.ipynb")
    'https://colab.research.google.com/github/ecgstudy/ecgstudy/blob/main/classroom/iclr.ipynb'
    """

    owner: str
    name: str
    branch: str = "main"

    @classmethod
    def from_url(cls, url: str, branch: str = "main") -> Repository:
        """``https://github.com/<owner>/<name>`` (a trailing ``/`` or ``.git`` is dropped)."""
        prefix = "https://github.com/"
        parts = url.removeprefix(prefix).removesuffix("/").removesuffix(".git").split("/")
        if not url.startswith(prefix) or len(parts) != 2 or not all(parts):
            raise ParameterError(f"repository url {url!r}: expected https://github.com/<owner>/<name>")
        return cls(parts[0], parts[1], branch)

    @property
    def url(self) -> str:
        return f"https://github.com/{self.owner}/{self.name}"

    @property
    def pip_source(self) -> str:
        """What ``pip install`` takes for the package at this branch: ``ecgstudy @ git+<url>@<branch>``."""
        return f"ecgstudy @ git+{self.url}@{self.branch}"

    def blob_url(self, path: str) -> str:
        """``path`` (relative to the repository root) as GitHub shows it."""
        return f"{self.url}/blob/{self.branch}/{quote(path)}"

    def binder_url(self, path: str) -> str:
        """mybinder.org builds the branch (from ``environment.yml``) and opens ``path`` in JupyterLab."""
        return f"https://mybinder.org/v2/gh/{self.owner}/{self.name}/{self.branch}?labpath={quote(path)}"

    def colab_url(self, path: str) -> str:
        """Colab opens ``path`` from GitHub (the notebook installs the package itself)."""
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.branch}/{quote(path)}"


def repository(config: str | Path | None = None) -> Repository:
    """The repository named in ``config`` (default: the project's ``_config.yml``), section ``repository:``."""
    import yaml

    path = Path(config) if config is not None else paths.PROJECT_ROOT / "_config.yml"
    section = (yaml.safe_load(path.read_text()) or {}).get("repository") or {}
    if not section.get("url"):
        raise ParameterError(f"{path}: no repository url (section `repository: url:`)")
    return Repository.from_url(str(section["url"]), str(section.get("branch") or "main"))
