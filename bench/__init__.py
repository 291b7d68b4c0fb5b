"""Benchmarks for lbsearch: a corpus generator, relevance evaluation and speed runs."""
