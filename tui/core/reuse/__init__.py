"""Trees that follow the REUSE specification 3.3 (https://reuse.software/spec-3.3/), read as `reuse lint`
reads them: licence files in LICENSES/<id>.<ext>, tags anywhere in a file (REUSE-IgnoreStart/End
honoured), ``X.license`` sidecars, REUSE.toml annotations (nested, with their precedence) and
``.reuse/dep5``.

``detect`` tells a REUSE tree from a kernel tree (cheap: a few stats); ``project`` holds what a REUSE
tree's verdicts depend on besides the files themselves (its licence files, REUSE.toml, dep5);
``reading`` reads one file of such a tree into an outcome; ``settle`` adds the findings that depend on
every file (a licence file no file uses). Written against the specification; the reuse tool (GPL-3.0)
is a test-time reference only, never imported here.
"""
