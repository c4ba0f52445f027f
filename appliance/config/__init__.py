"""The owner's configuration: the model, its validation (one place for the API and the forms),
documents, the TinyDB store with atomic durable writes, published versions and drafts."""
