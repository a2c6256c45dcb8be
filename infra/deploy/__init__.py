"""Production deployment files (Dockerfile, compose.yaml, k8s/) and their checks."""
