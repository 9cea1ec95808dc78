"""Content pipeline: Markdown/YAML files -> validated catalog -> rendered rows. No Flask views here."""
from .catalog import Catalog, Item, QuizDef, load_catalog
from .frontmatter import Problem
from .importer import ImportReport, import_catalog
from .markdown import render_markdown

__all__ = ["Catalog", "ImportReport", "Item", "Problem", "QuizDef", "import_catalog", "load_catalog",
           "render_markdown"]
