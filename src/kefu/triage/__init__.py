"""Triage: the subcategory classifier, the hand-off policy and agent corrections.

- `normalize`  text normalisation shared by every rule
- `corpus`     the shipped labelled corpus (`corpus/<category>.jsonl`)
- `classifier` character n-grams + a linear model (scikit-learn), saved in one file
- `corrections` agent corrections turned into training examples
- `evaluate`   cross-validation figures (used by `kefu triage train` and bench/triage.py)
- `handoff`    the pure hand-off policy of the in-app chat (SPEC §4.1)
- `policy`     `policies/triage.toml`
- `runtime`    the process-wide classifier behind `services.ports.Classifier`

Importing this package does not import scikit-learn; `runtime` loads it on first use.
"""
