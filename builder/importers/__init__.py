"""Importers: turn notes and bibliographies people already have into entry stubs."""
