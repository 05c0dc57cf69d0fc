"""Figures as plain data (a taxonomy tree, a timeline), printed as LaTeX for the paper and SVG for the site."""
