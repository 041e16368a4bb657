"""HTML and plain text from template files kept in a service's package (installed with it as package data),
rendered by Jinja2: `.html` templates escape every value (autoescape), `.txt` templates are written as they are.
A name a template uses but the caller did not pass is an error, not an empty string (StrictUndefined).
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def template_environment(package: str, folder: str) -> Environment:
    """The templates in `folder` of `package` (e.g. "notifications.delivery", "mail_templates")."""
    return Environment(
        loader=PackageLoader(package, folder),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
