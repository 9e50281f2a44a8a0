"""Data package: the manifest of VGG19 weight sets styletools knows (see manifest.toml)."""
