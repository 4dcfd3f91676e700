"""Reading a project into the model: files and their schemas, then the checks across files."""

from .project import GROUPS_DIR, PLAYBOOKS_DIR, SITE_FILE, Loaded, load_project

__all__ = ["GROUPS_DIR", "PLAYBOOKS_DIR", "SITE_FILE", "Loaded", "load_project"]
