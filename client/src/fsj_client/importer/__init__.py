"""``fsj-import``: migrate work orders from another field-service system into Odoo through the REST API.

Sources (``sources.py``): a generic CSV/JSON export with a mapping file, Field Nation work orders, Sitoo
service orders; each is read into a ``Dataset`` of customers, locations, jobs, notes and attachments
(``records.py``). ``validation.py`` checks everything against the files and the server (schema,
references, technicians) before anything is written; ``diff.py`` shows what a run would change;
``runner.py`` writes it (upsert batches under an import run, resumable), ``cli.py`` is the command."""

from .records import Dataset, Item, Problem
from .runner import ImportOptions, Runner

__all__ = ["Dataset", "ImportOptions", "Item", "Problem", "Runner"]
