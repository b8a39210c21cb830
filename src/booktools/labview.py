"""Look at notebooks the way a student sees them: in real JupyterLab, in headless Chromium.

    python -m booktools.labview book/chapters/04_resolution.md shot.png      # a chapter (opened as a notebook)
    python -m booktools.labview student/04_resolution.ipynb shot.png         # a student notebook

The file is copied into a scratch folder (JupyterLab never sees, and so can never save over, the
original), a JupyterLab server is started on 127.0.0.1 with a random token and settings of its own
(the book's ``book/assets/jupyterlab-overrides.json``: ``.md`` files open as notebooks), Chromium opens
it headless and the page is saved as a PNG once the notebook's markdown is rendered. Both processes
are stopped at the end. Chromium is driven through its DevTools protocol with ``websocket-client``
(already a Jupyter dependency), so nothing beyond Chromium itself is needed.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = ROOT / "book" / "assets" / "jupyterlab-overrides.json"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]


class LabViewError(RuntimeError):
    """JupyterLab or Chromium did not start, or the page never became ready."""


def chromium_path() -> str | None:
    """The Chromium executable, or None where none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a process started by this module (and its children, in its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


class LabServer:
    """A JupyterLab server on 127.0.0.1 serving ``root``, with a random token and its own settings."""

    def __init__(self, root: Path, *, startup_timeout: float = 120) -> None:
        self.root = Path(root)
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.startup_timeout = startup_timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="mirage-lab-")
        self.proc: subprocess.Popen | None = None
        self.log = Path(self._tmp.name) / "server.log"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?token={self.token}&reset"

    def __enter__(self) -> LabServer:
        tmp = Path(self._tmp.name)
        settings = tmp / "settings"  # user settings: .md opens as a notebook, no news or update checks
        plugins = json.loads(OVERRIDES.read_text())
        # every cell drawn (no windowing), so that the page holds the whole notebook to check and scroll to
        plugins["@jupyterlab/notebook-extension:tracker"] = {"windowingMode": "none"}
        for plugin, values in plugins.items():
            package, _, name = plugin.partition(":")
            target = settings / package / f"{name}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "ws"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"))
        jupyter = Path(sys.executable).with_name("jupyter")
        cmd = [str(jupyter), "lab", "--no-browser", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}", "--LabApp.news_url=None", "--ServerApp.open_browser=False",
               "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        status = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LabViewError(f"JupyterLab exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(status, timeout=5) as reply:
                    if reply.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        self.__exit__()
        raise LabViewError(f"JupyterLab did not answer within {self.startup_timeout:.0f} s")

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None:
            _stop(self.proc)
        self._tmp.cleanup()


class Browser:
    """Headless Chromium driven through the DevTools protocol (one page)."""

    def __init__(self, *, width: int = 1400, height: int = 1000, startup_timeout: float = 60) -> None:
        exe = chromium_path()
        if exe is None:
            raise LabViewError("Chromium is not installed (Debian: apt-get install chromium)")
        self.exe, self.width, self.height, self.startup_timeout = exe, width, height, startup_timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="mirage-chromium-")
        self._ids = itertools.count(1)
        self.proc: subprocess.Popen | None = None
        self.ws = None
        self.events: list[dict] = []  # DevTools events received so far (console messages, exceptions, ...)

    def __enter__(self) -> Browser:
        import websocket  # websocket-client, a dependency of jupyter_server

        profile = Path(self._tmp.name)
        cmd = [self.exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
               "--remote-debugging-address=127.0.0.1", f"--window-size={self.width},{self.height}", "about:blank"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(profile / "chromium.log").open("w"),
                                     start_new_session=True)
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.startup_timeout
        while not (active.exists() and len(active.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise LabViewError("Chromium did not start its DevTools endpoint")
            time.sleep(0.2)
        port = int(active.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            pages = [t for t in json.load(reply) if t.get("type") == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  width=self.width, height=self.height, deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except OSError:
                pass
        if self.proc is not None:
            _stop(self.proc)
        self._tmp.cleanup()

    def call(self, method: str, **params: Any) -> dict:
        """Send one DevTools command and return its result (events that arrive meanwhile are skipped)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == ident:
                if "error" in msg:
                    raise LabViewError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise LabViewError(f"{expression[:80]}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 90, interval: float = 0.5) -> Any:
        """Poll ``expression`` until it is truthy; return its value (LabViewError after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except LabViewError:
                value = None
            if value:
                return value
            time.sleep(interval)
        raise LabViewError(f"timed out after {timeout:.0f} s waiting for {expression[:120]}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


# What the page says about a notebook once it is open: how many markdown cells it has and how many of
# them jupyterlab-myst rendered, and what a student would see (admonitions, raw MyST left as text).
PAGE_STATE = r"""(() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!panel) return null;
  const text = panel.innerText;
  return {
    markdown_cells: panel.querySelectorAll('.jp-MarkdownCell').length,
    myst_rendered: panel.querySelectorAll('.jp-MarkdownCell .myst').length,
    admonitions: panel.querySelectorAll('.myst-admonition, aside.admonition').length,
    raw_class_option: /^:class:/m.test(text),
    raw_roles: (text.match(/\{(cite:[tp]|numref|ref)\}`/g) || []).length,
    raw_directives: (text.match(/```\{(admonition|exercise|solution-start|code-cell)/g) || []).length,
    math: panel.querySelectorAll('.katex, mjx-container').length,
    dirty: !!document.querySelector('.jp-mod-dirty'),
  };
})()"""
# Console messages of a JupyterLab extension that failed to load (a labextension built against another
# JupyterLab: `jupyter labextension list` can still say OK while the browser refuses the module).
EXTENSION_FAILURES = ("Failed to create module", "Unsatisfied version", "No satisfying version",
                      "does not satisfy the requirement", "is not compatible")


def extension_failures(events: list[dict]) -> list[str]:
    """Console messages in ``events`` that say a JupyterLab extension did not load as built."""
    found = []
    for event in events:
        if event.get("method") != "Runtime.consoleAPICalled":
            continue
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in event["params"].get("args", []))
        if any(marker in text for marker in EXTENSION_FAILURES):
            found.append(text[:300])
    return found


SAVE = ("Array.from(jupyterapp.shell.widgets('main')).find(w => w.context && w.context.path)"
        ".context.save().then(() => true)")


def open_in_lab(path: Path, screenshot: Path | None = None, *, scroll_to: str | None = None,
                timeout: float = 120, save: bool = False, views: Sequence[tuple[str, Path]] = ()) -> dict:
    """Open ``path`` (a chapter ``.md`` or an ``.ipynb``) in JupyterLab in headless Chromium.

    Returns what the page shows (``PAGE_STATE``); saves a PNG to ``screenshot`` when given, scrolled so
    that the first element matching the CSS selector ``scroll_to`` is in view, then one PNG per
    ``(scroll_to, png)`` pair of ``views`` (same page: one server and one browser for all). With ``save``,
    JupyterLab also saves the file (as a student pressing Ctrl+S would) and ``state["saved_text"]`` is
    what it wrote."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="mirage-labview-") as tmp:
        shutil.copy2(path, Path(tmp) / path.name)
        with LabServer(Path(tmp)) as lab, Browser() as browser:
            browser.call("Runtime.enable")  # console messages, to see extensions that failed to load
            browser.goto(lab.url(path.name))
            browser.wait_for(f"(() => {{ const s = {PAGE_STATE}; return s && s.myst_rendered > 0; }})()", timeout)
            time.sleep(2)  # let the renderer finish typesetting math before reading or taking the picture
            state = browser.evaluate(PAGE_STATE)
            state["extension_failures"] = extension_failures(browser.events)
            for where, png in [(scroll_to, screenshot), *views]:
                _show(browser, where, png)
            if save:
                browser.evaluate(SAVE)
                state["saved_text"] = (Path(tmp) / path.name).read_text(encoding="utf-8")
            return state


def _show(browser: Browser, scroll_to: str | None, screenshot: Path | None) -> None:
    """Scroll to ``scroll_to`` (a CSS selector or a cell's text; None: stay), then save ``screenshot``."""
    if scroll_to:  # a CSS selector, or the text of the cell to show at the top
        found = browser.evaluate(
            f"(() => {{ const want = {json.dumps(scroll_to)}; let el = null;"
            " try { el = document.querySelector(want); } catch (e) {}"
            " if (!el) el = Array.from(document.querySelectorAll('.jp-Cell'))"
            "   .find(c => c.innerText.includes(want));"
            " if (el) { el.scrollIntoView({block: 'start'}); return true; }"
            # cells far down are not in the page yet (JupyterLab draws what is in view): go by the model
            " const panel = Array.from(jupyterapp.shell.widgets('main')).find(w => w.content && w.content.widgets);"
            " if (!panel) return false; const nb = panel.content;"
            " const i = nb.widgets.findIndex(c => c.model.sharedModel.getSource().includes(want));"
            " if (i < 0) return false; nb.activeCellIndex = i;"
            " return Promise.resolve(nb.scrollToItem(i, 'start')).then(() => true); })()")
        if not found:
            raise LabViewError(f"nothing on the page matches {scroll_to!r}")
        time.sleep(2)
    if screenshot is not None:
        browser.screenshot(screenshot)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path, help="a chapter .md or a notebook .ipynb")
    parser.add_argument("png", type=Path, help="where to save the screenshot")
    parser.add_argument("--scroll-to", default=None,
                        help="CSS selector, or text of a cell, to scroll into view before the screenshot")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"notebook must be an existing .md or .ipynb file; got {str(args.notebook)!r}")
    try:
        state = open_in_lab(args.notebook, args.png, scroll_to=args.scroll_to)
    except LabViewError as err:
        sys.exit(f"labview: {err}")
    print(json.dumps(state, indent=1))
    print(f"screenshot: {args.png}")


if __name__ == "__main__":
    main()
