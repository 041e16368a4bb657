"""EduDX scoring: rubrics, self and review scores, classification, rankings and the published DX level."""
