"""Data quality: checks measured after every build, scorecards, profiles,
anomalies, reconciliation, ground truth, the report and alerts
(docs/quality.md)."""
