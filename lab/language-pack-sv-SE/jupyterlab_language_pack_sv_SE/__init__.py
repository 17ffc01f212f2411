"""JupyterLab in Swedish (Sweden): the translations are data in locale/sv_SE/LC_MESSAGES, built from the PO files."""

__version__ = "4.6.post0"
