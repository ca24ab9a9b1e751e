"""Running fastwasm past one machine: `ray` (Ray Serve). Kubernetes needs no
code here: deploy/k8s/ and docs/deploy.md."""
