"""Where a survey's pieces live: read from ``survey.yaml`` at the project root.

The engine is generic: a survey directory brings its own schema, table
definitions and checks. Defaults fit the layout of this repository.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from builder.configs import SURVEY_SHAPE, ConfigError, load_config

CONFIG_NAME = "survey.yaml"


@dataclass
class Project:
    root: Path
    title: str = "Survey"
    description: str = ""
    entries_dir: Path = None
    schema_path: Path = None
    tables_path: Path = None
    docs_dir: Path = None
    latex_dir: Path = None
    site_dir: Path = None
    references: list = field(default_factory=list)
    sums: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    settings: object = None  # survey.yaml as loaded (with the place of each value), for messages about it

    @property
    def generated_dir(self) -> Path:
        """Site pages written by `build`; everything else in docs/ is hand-written."""
        return self.docs_dir / "survey"


__all__ = ["CONFIG_NAME", "ConfigError", "Project", "load_project"]


def load_project(root) -> Project:
    """The project at root, from its survey.yaml (checked: ConfigError says where it is wrong)."""
    root = Path(root).resolve()
    config_file = root / CONFIG_NAME
    raw: dict = {}
    settings = None
    if config_file.exists():
        settings = load_config(config_file, SURVEY_SHAPE, "survey settings")
        raw = settings.data
    elif not (root / "schema").is_dir():
        raise ConfigError(f"{root} has no {CONFIG_NAME}; run slm-survey from a survey directory or pass --root")

    def path(key, default):
        return (root / raw.get(key, default)).resolve()
    return Project(
        root=root,
        title=raw.get("title", "Survey"),
        description=raw.get("description", ""),
        entries_dir=path("entries", "entries"),
        schema_path=path("schema", "schema/entry.schema.json"),
        tables_path=path("tables", "tables.yaml"),
        docs_dir=path("docs_dir", "docs"),
        latex_dir=path("latex_dir", "build/latex"),
        site_dir=path("site_dir", "site"),
        references=list(raw.get("references", [])),
        sums=list(raw.get("sums", [])),
        raw=raw,
        settings=settings,
    )
