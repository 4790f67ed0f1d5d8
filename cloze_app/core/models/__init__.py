"""The model store: manifests on disk, install, convert, Hub downloads, speed."""
