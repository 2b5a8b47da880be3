"""Look at a built book page in headless Chromium (Chrome DevTools Protocol over tornado's websocket).

:func:`inspect_page` opens one HTML file at a given window width and returns what a reader would
meet: console errors, images that did not load, error outputs, raw glue or literal Markdown, tables
wider than the text column outside a scroll box, and whether the menu and "on this page" buttons
open their panels. The browser test (``tests/test_book_browser.py``) asserts on it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: what the page reports about itself (run in the page once it has loaded)
_CHECKS = r"""
(() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const width = article.getBoundingClientRect().width;
  const text = (root) => {
    const clone = root.cloneNode(true);
    clone.querySelectorAll('code, pre, script, style, .highlight, .cell_input, .math, mjx-container')
         .forEach(n => n.remove());
    return clone.textContent;
  };
  const body = text(article);
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== article; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().width <= width + 1) return p;
    }
    return null;
  };
  const tables = [...article.querySelectorAll('table')].map((t, i) => {
    const box = scrolls(t);
    const cap = t.querySelector('caption');
    const capRect = cap ? cap.getBoundingClientRect() : null;
    const boxRect = (box || article).getBoundingClientRect();
    return {i, wide: t.scrollWidth > width + 1, boxed: !!box,
            caption_inside: !capRect || (capRect.left >= boxRect.left - 1 && capRect.right <= boxRect.right + 1)};
  });
  return {
    images: [...document.images].filter(im => !(im.complete && im.naturalWidth > 0)).map(im => im.src),
    alts: [...article.querySelectorAll('img')].filter(im => !im.alt || /\.(png|jpe?g|svg)$/.test(im.alt))
            .map(im => im.src),
    errors: article.querySelectorAll('.output.traceback, .output.error, .output.stderr').length,
    raw_glue: body.includes('{glue'),
    literal_markdown: (body.match(/\*\*|(^|\s)\*\S[^*]*\S\*(?=[\s.,;:)]|$)|`/g) || []).slice(0, 5),
    tables: tables,
    overflowing: tables.filter(t => t.wide && !t.boxed).map(t => t.i),
    clipped_captions: tables.filter(t => !t.caption_inside).map(t => t.i),
    page_overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
  };
})()
"""

#: click the visible toggle of ``kind`` (primary: menu, secondary: on this page); is its panel shown?
_TOGGLE = r"""
(async (kind) => {
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
                              getComputedStyle(el).visibility !== 'hidden'; };
  const button = [...document.querySelectorAll('.' + kind + '-toggle')].find(visible);
  // a page without sections has no "on this page" panel, and the theme leaves its button out altogether
  if (!button) return (kind === 'secondary' && !document.querySelector('.secondary-toggle, .bd-sidebar-secondary'))
    ? 'not on this page' : 'no visible button';
  button.click();
  await new Promise(r => setTimeout(r, 400));
  const dialog = document.querySelector('#pst-' + kind + '-sidebar-modal');
  const sidebar = document.querySelector(kind === 'primary' ? '#pst-primary-sidebar' : '#pst-secondary-sidebar');
  const open = (dialog && dialog.open) || (sidebar && visible(sidebar) &&
               sidebar.getBoundingClientRect().left >= 0 && sidebar.getBoundingClientRect().left < window.innerWidth);
  if (dialog && dialog.open) dialog.close();
  return open ? 'opens' : 'does nothing';
})
"""


@dataclass
class PageReport:
    """What :func:`inspect_page` saw on one page at one width."""

    url: str
    width: int
    console_errors: list[str] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    menus: dict[str, str] = field(default_factory=dict)


def chromium() -> str | None:
    """The Chromium executable on PATH (``None`` when there is none)."""
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


class Chromium:
    """A headless Chromium for one session (a context manager); :meth:`inspect` opens pages in it."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or chromium()
        if self.executable is None:
            raise FileNotFoundError("no chromium on PATH")
        self._profile = tempfile.mkdtemp(prefix="ecgstudy-chromium-")
        self._proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> Chromium:
        self._proc = subprocess.Popen(
            [self.executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={self._profile}", "--allow-file-access-from-files",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.time() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.time() > deadline or self._proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        shutil.rmtree(self._profile, ignore_errors=True)

    def inspect(self, path: Path, width: int, height: int = 900) -> PageReport:
        """Open ``path`` (an HTML file) at ``width`` x ``height`` CSS px and report on it."""
        return asyncio.run(self._inspect(Path(path).resolve().as_uri(), width, height))

    async def _inspect(self, url: str, width: int, height: int) -> PageReport:
        from tornado.websocket import websocket_connect

        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        target = json.loads(urllib.request.urlopen(req, timeout=30).read())
        ws = await websocket_connect(target["webSocketDebuggerUrl"], max_message_size=64 << 20)
        report = PageReport(url, width)
        ids = iter(range(1, 10**6))
        pending: dict[int, asyncio.Future] = {}
        events: list[dict] = []

        async def reader() -> None:
            while True:
                msg = await ws.read_message()
                if msg is None:
                    return
                data = json.loads(msg)
                if "id" in data and data["id"] in pending:
                    pending.pop(data["id"]).set_result(data)
                else:
                    events.append(data)

        async def call(method: str, **params: Any) -> dict:
            i = next(ids)
            pending[i] = asyncio.get_running_loop().create_future()
            ws.write_message(json.dumps({"id": i, "method": method, "params": params}))
            data = await asyncio.wait_for(pending[i], 60)
            if "error" in data:
                raise RuntimeError(f"{method}: {data['error']}")
            return data.get("result", {})

        task = asyncio.ensure_future(reader())
        try:
            for domain in ("Page", "Runtime", "Log"):
                await call(f"{domain}.enable")
            await call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                       mobile=width < 600)
            await call("Page.navigate", url=url)
            deadline = time.time() + 60
            while not any(e.get("method") == "Page.loadEventFired" for e in events) and time.time() < deadline:
                await asyncio.sleep(0.1)
            if not any(e.get("method") == "Page.loadEventFired" for e in events):
                raise RuntimeError(f"{url}: not loaded within 60 s at {width} px")
            await asyncio.sleep(0.5)
            result = await call("Runtime.evaluate", expression=_CHECKS, returnByValue=True)
            if "exceptionDetails" in result or not isinstance(result["result"].get("value"), dict):
                details = result.get("exceptionDetails", {})
                raise RuntimeError(f"{url}: the page checks did not run at {width} px: "
                                   f"{details.get('exception', {}).get('description') or details or result['result']}")
            report.checks = result["result"]["value"]
            for kind in ("primary", "secondary"):
                res = await call("Runtime.evaluate", expression=f"{_TOGGLE}({kind!r})", awaitPromise=True,
                                 returnByValue=True)
                report.menus[kind] = res["result"].get("value", "")
            for e in events:
                params = e.get("params", {})
                if e.get("method") == "Runtime.exceptionThrown":
                    details = params["exceptionDetails"]
                    described = details.get("exception", {}).get("description", "")
                    report.console_errors.append(f"{details.get('text', 'exception')} {described}".strip())
                elif e.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
                    report.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                          for a in params.get("args", [])))
                elif e.get("method") == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                    report.console_errors.append(params["entry"].get("text", "") + " " +
                                                 params["entry"].get("url", ""))
            return report
        finally:
            ws.close()
            task.cancel()
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/close/{target['id']}", timeout=30).read()

    def screenshot(self, path: Path, out: Path, width: int, height: int = 900, full_page: bool = True) -> Path:
        """Save a PNG of ``path`` at ``width`` (the whole page's height when ``full_page``)."""
        subprocess.run([self.executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size={width},{height}", f"--screenshot={out}",
                        Path(path).resolve().as_uri()], check=True, capture_output=True, timeout=120)
        return out
