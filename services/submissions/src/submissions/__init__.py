"""Submissions: what authorities ask schools to report, by when, in what shape, and how it is reviewed."""
