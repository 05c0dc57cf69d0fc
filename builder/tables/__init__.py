"""Tables as plain data: built once from the corpus, printed by the Markdown and LaTeX renderers."""
