"""Review layer: queues for people (grouping, selection policies, redaction), review files, the
append-only label store, reviewer agreement and label quality. Imports the layers below it
(scoring, artifacts, model, text, io); evaluation is its sibling."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "text_fingerprint": ".ids",
    "stable_ids": ".ids",
    "group_near_duplicates": ".grouping",
    "redact_text": ".redaction",
    "SelectionPolicy": ".policies",
    "POLICIES": ".policies",
    "main_policy": ".policies",
    "build_queue": ".queues",
    "assign_reviewers": ".queues",
    "reviewer_path": ".queues",
    "queue_record": ".queues",
    "read_queue_record": ".queues",
    "record_path": ".queues",
    "DECISIONS": ".queues",
    "QUEUE_COLUMNS": ".queues",
    "export_queue": ".formats",
    "read_reviews": ".formats",
    "review_format": ".formats",
    "LABEL_STUDIO_CONFIG": ".formats",
    "REVIEW_FORMATS": ".formats",
    "argilla_settings": ".argilla",
    "LabelStore": ".store",
    "ImportReport": ".store",
    "import_reviews": ".store",
    "agreement_summary": ".agreement",
    "krippendorff_alpha": ".agreement",
    "pairwise_kappa": ".agreement",
    "second_look": ".label_quality",
    "label_issues": ".label_quality",
    "adjudicate": ".adjudication",
    "conflicts_queue": ".adjudication",
    "ht_estimates": ".estimation",
    "estimate_store": ".estimation",
})
