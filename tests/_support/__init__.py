"""What the tests share: builders of sites, plugins, manifests and processes. Nothing here is collected."""
