"""Renderers: dumb printers of the table model, one per output format; all escaping lives here."""
