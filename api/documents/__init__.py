"""Documents a model ships with: CycloneDX ML-BOM, SPDX 3, the notice bundle and the licence texts."""
