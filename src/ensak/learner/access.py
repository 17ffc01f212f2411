"""The access check in task 0: the learner's own browser tries to reach each platform the course uses
and says which ones the workplace network blocks, so IT can be asked before the task that needs it.

The check must run where the learner sits, not on the server: a municipal network often blocks social
media for staff machines while the hub's server reaches everything. So a small front-end module
(anywidget) asks the browser to fetch each platform's icon; a fetch that fails or does not answer in
time counts as blocked. The results come back to the kernel and are saved with the other answers; the
progress report lists blocks by unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from ensak.html_tables import render_table
from ensak.learner.answers import AnswerStore
from ensak.learner.base import AnswerWidget, escape

# The platforms the tasks use, each with an address the browser can fetch without logging in.
PLATFORMS: dict[str, str] = {
    "Wikipedia": "https://sv.wikipedia.org/favicon.ico",
    "Wikimedia Commons": "https://commons.wikimedia.org/favicon.ico",
    "Facebook": "https://www.facebook.com/favicon.ico",
    "Instagram": "https://www.instagram.com/favicon.ico",
    "Threads": "https://www.threads.com/favicon.ico",
    "YouTube": "https://www.youtube.com/favicon.ico",
    "LinkedIn": "https://www.linkedin.com/favicon.ico",
    "WordPress.com": "https://wordpress.com/favicon.ico",
    "Blogger": "https://www.blogger.com/favicon.ico",
    "TikTok": "https://www.tiktok.com/favicon.ico",
    "Google": "https://www.google.com/favicon.ico",
    "Bing": "https://www.bing.com/favicon.ico",
    "Libris": "https://libris.kb.se/favicon.ico",
    "lagen.nu": "https://lagen.nu/favicon.ico",
    "Flickr": "https://www.flickr.com/favicon.ico",
    "Spotify": "https://open.spotify.com/favicon.ico",
    "Creative Commons": "https://creativecommons.org/favicon.ico",
}
# The key task 0 saves the check under; the report reads it from there.
ACCESS_KEY = "atkomst"
REACHABLE = "nåbar"
BLOCKED = "blockerad"
TIMEOUT_MS = 8000


class _BrowserProbe(anywidget.AnyWidget):
    """Runs in the learner's browser: fetches each target and reports what answered."""

    _esm = """
    function render({ model, el }) {
      async function probe() {
        const targets = model.get("targets");
        const results = {};
        await Promise.all(Object.entries(targets).map(async ([name, url]) => {
          const stop = new AbortController();
          const timer = setTimeout(() => stop.abort(), model.get("timeout_ms"));
          try {
            // no-cors: the answer is opaque, but that it arrives at all is what we want to know.
            await fetch(url, { mode: "no-cors", cache: "no-store", signal: stop.signal });
            results[name] = "ok";
          } catch (error) {
            results[name] = "blocked";
          } finally {
            clearTimeout(timer);
          }
        }));
        model.set("results", results);
        model.save_changes();
      }
      model.on("change:run", probe);
      if (model.get("run") > 0) { probe(); }
    }
    export default { render };
    """
    targets = traitlets.Dict().tag(sync=True)
    timeout_ms = traitlets.Int(TIMEOUT_MS).tag(sync=True)
    run = traitlets.Int(0).tag(sync=True)
    results = traitlets.Dict().tag(sync=True)


def blocked_platforms(saved: Any) -> list[str]:
    """The platforms a saved access check found blocked (nothing, for an answer that is not a check)."""
    results = saved.get("results") if isinstance(saved, dict) else None
    if not isinstance(results, dict):
        return []
    return sorted(name for name, state in results.items() if state == BLOCKED and name in PLATFORMS)


class AccessCheck(AnswerWidget):
    """Tests, from the learner's browser, whether the course's platforms can be reached at work."""

    kind = "access"

    def __init__(self, key: str, *, platforms: dict[str, str] | None = None, store: AnswerStore | None = None):
        self.platforms = dict(platforms or PLATFORMS)
        self.probe = _BrowserProbe(targets=self.platforms)
        self.run_button = w.Button(description="Testa åtkomsten", icon="wifi", layout=w.Layout(width="auto"))
        self.table = w.HTML()
        self.run_button.on_click(lambda _: self.start())
        self.probe.observe(self._answered, names="results")
        super().__init__(key, store=store)
        self.children = [
            w.HTML("<p>Testet provar från din egen webbläsare om du når tjänsterna som kursen använder. "
                   "Om arbetsplatsens nätverk stoppar någon av dem ser du det här, och kursledaren kan be "
                   "IT öppna den innan uppgiften som behöver den.</p>"),
            self.run_button, self.probe, self.table, self.status,
        ]
        saved = self.saved_value
        if isinstance(saved, dict) and isinstance(saved.get("results"), dict):
            self._show(saved["results"])
            self.show_status("Ditt senaste test visas. Testa igen om du sitter vid en annan dator.")
        else:
            self.start()

    def start(self) -> None:
        self.show_status("Testar … det tar högst några sekunder.")
        self.probe.run += 1

    def _answered(self, change) -> None:
        results = {name: REACHABLE if state == "ok" else BLOCKED
                   for name, state in (change["new"] or {}).items() if name in self.platforms}
        if not results:
            return
        saved = self.save({"results": results,
                           "checked": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
        self._show(results)
        if saved:
            blocked = [name for name in self.platforms if results.get(name) == BLOCKED]
            self.show_status("Sparat. " + (f"Ditt nätverk stoppar {', '.join(blocked)}." if blocked else
                                           "Du når alla tjänster som kursen använder."))

    def _show(self, results: dict[str, str]) -> None:
        rows = [[escape(name), "✓ nåbar" if results.get(name) == REACHABLE else "✗ blockerad"]
                for name in self.platforms if name in results]
        blocked = [name for name in self.platforms if results.get(name) == BLOCKED]
        advice = ("<p>✓ Du når alla tjänster som kursen använder.</p>" if not blocked else
                  f"<p>⚠ Ditt nätverk stoppar {escape(', '.join(blocked))}. Du behöver inte göra något: "
                  "kursledaren ser det i kursens översikt och tar upp det med IT. Under tiden kan du göra "
                  "de uppgifterna hemma eller på en dator i publika delen.</p>")
        self.table.value = render_table("Åtkomst från din dator", ["Tjänst", "Resultat"], rows) + advice

    def simulate(self, rng, learner: dict | None = None) -> None:
        blocked = set((learner or {}).get("blocked", []))
        self.probe.results = {name: "blocked" if name in blocked else "ok" for name in self.platforms}
