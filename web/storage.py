"""The static files storage production uses: WhiteNoise's hashed, compressed manifest storage
that leaves source map references alone.

Django's manifest storage rewrites `sourceMappingURL` comments to the map's hashed name, and so
refuses to collect a script whose map is not beside it. The vendored libraries ship minified
without their maps (see `web/static/vendor/README.md`), so the comment points nowhere either
way; a browser asks for a map only when its developer tools are open, and a missing one costs
nothing else. Skipping these references keeps the vendored files byte for byte as published
and still hashes every `url()` and `@import` in our stylesheets, whose targets must exist.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns: tuple) -> tuple:
    """Drop the substitution patterns that rewrite `sourceMappingURL` comments."""
    return tuple(
        (extension, tuple(p for p in substitutions if "sourceMappingURL" not in str(p)))
        for extension, substitutions in patterns
    )


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names, gzip and Brotli copies; source map comments left as they are."""

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
