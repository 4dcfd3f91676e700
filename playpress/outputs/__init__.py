"""One module per kind of output, the table of kinds (kinds.py), and what they share (job, posts,
words)."""
