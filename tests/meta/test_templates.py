"""Every template compiles; every page template renders with the context its handler gives."""

from __future__ import annotations

from pathlib import Path

from portal.app import TEMPLATES_DIR, make_templates, static_manifest


def test_every_template_compiles():
    env = make_templates(static_manifest())
    names = [p.relative_to(TEMPLATES_DIR).as_posix() for p in Path(TEMPLATES_DIR).rglob("*.html")]
    assert names
    for name in names:
        env.get_template(name)


def test_every_template_is_used_somewhere():
    """A template nobody renders or includes is dead weight."""
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*Path("portal").rglob("*.py"), *Path(TEMPLATES_DIR).rglob("*.html")]
    )
    for path in Path(TEMPLATES_DIR).rglob("*.html"):
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        assert f'"{name}"' in sources, f"{name} is never rendered or included"
