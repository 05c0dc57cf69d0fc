"""slm-survey: a taxonomy-driven survey and benchmark table builder.

Data flows one way: files -> loaded entries (with source positions) -> validated
corpus -> table models -> renderers (Markdown, LaTeX) -> site. Nothing in this
package knows about speech language models: that lives in the survey's schema,
entries and table definitions.
"""

__version__ = "0.1.0"
