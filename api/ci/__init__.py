"""The `pedigree` command for CI: manifests, the compliance check, reports. No Flask, no SQLAlchemy."""
