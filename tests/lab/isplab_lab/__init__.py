"""qemu lab harness for isplab.infra tests (never shipped in the collection)."""
