"""The UI-free core of lictree: catalog, headers, expressions, rules, scan, index, export."""
