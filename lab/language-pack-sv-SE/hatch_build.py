"""Build hook: compiles the PO catalogs into the JSON and MO files JupyterLab reads, straight into the wheel.

Only the PO files are kept in git; the compiled forms never go stale in the source tree because they
never are in it.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TARGET = "jupyterlab_language_pack_sv_SE/locale/sv_SE/LC_MESSAGES"


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        spec = importlib.util.spec_from_file_location("compile_catalogs", Path(self.root) / "compile_catalogs.py")
        compile_catalogs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(compile_catalogs)
        self._output = tempfile.TemporaryDirectory(prefix="sv-SE-catalogs-")
        for path in compile_catalogs.compile_all(Path(self._output.name)):
            build_data["force_include"][str(path)] = f"{TARGET}/{path.name}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if self.target_name == "wheel":
            self._output.cleanup()
