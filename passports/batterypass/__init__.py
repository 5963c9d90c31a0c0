"""The Battery Pass data model v1.2.0: our battery passports out (export) and in (import).

- schemas/: the consortium's JSON Schemas (CC-BY-4.0, see schemas/NOTICE.md);
- schemas.py: loading them and validating a document, every error with its JSON path;
- mapping.py: the explicit tables between our values and theirs (enumerations, units);
- export.py: a passport as the seven aspects, filtered by the reader's tier (builder.py: what
  the aspect builders share; performance.py: the PerformanceAndDurability aspect);
- importer.py: a Battery Pass document back to our registration declaration.
"""
