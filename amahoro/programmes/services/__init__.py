"""Writes of the programmes app, one module per subject (import from the module, not from here):

- `programmes`: programmes and cohorts, pushing reach and completion to the framework;
- `participants`: participants, links, enrolments and drop-outs, merging duplicates;
- `attendance`: sessions and attendance (grid, CSV/XLSX, XLSForm submissions);
- `scales`: scales, survey rounds and scored responses.

Every function takes `actor=` (a user, or `policy.SYSTEM` for the command line and the demo; `None` is
refused) and records the change in the audit log in the same transaction."""
