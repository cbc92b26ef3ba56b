"""Reports people hand on (issue 14): the NAP annual progress report, the indicator tracking table (ITT) and
the GBVIMS-style monthly statistics, as PDF (WeasyPrint) and XLSX (openpyxl), on demand and by subscription.
Every figure is read through the modules that own it (analytics.engine via frameworks' progress, funding,
participation, consultations, cases' suppressed statistics), as the person the report is for."""
