"""The billing export: each device's start and end meters for a period, usage per meter and open flags, as CSV
or XLSX for a dealer's ERP (docs/billing-export.md is the contract).

`lines` and `files` are plain Python (no Django); `selectors` reads the rows in SQL, `forms` checks a request,
`responses` streams the file, `views` serves the portal's download form.
"""
