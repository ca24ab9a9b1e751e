"""/health and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

import fastwasm


def test_health_reports_versions_and_the_module(client: TestClient) -> None:
    data = client.get("/health").json()
    assert data["status"] == "ok"
    assert data["versions"]["wasmtime"] == fastwasm.WASMTIME_VERSION
    module = data["module"]
    assert module["path"].endswith("fibonacci_wasm.wasm")
    assert module["isolation"] == "pooled"
    exports = {e["name"]: e["signature"] for e in module["exports"]}
    assert exports["calculate_fibonacci"] == "(i32) -> i64"
    assert {"size", "busy", "traps", "timeouts", "memory_limits"} <= set(module["pool"])


def test_every_endpoint_is_documented_with_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    # The kernels' operations are tested with the kernel routes (test_kernel_routes.py).
    own = {path: item for path, item in spec["paths"].items() if not path.startswith("/kernels")}
    assert set(own) == {
        "/fibonacci/{n}",
        "/fibonacci-wasm/{n}",
        "/fibonacci-native/{n}",
        "/compare/{n}",
        "/health",
        "/metrics",
    }
    schemas = spec["components"]["schemas"]
    for path, item in own.items():
        operation = item["get"]
        assert operation["description"], path
        if path == "/metrics":
            assert "application/openmetrics-text" in operation["responses"]["200"]["content"]
            continue
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert schemas[ok.rsplit("/", 1)[1]].get("examples"), path
    for page in ("/docs", "/redoc"):
        assert client.get(page).status_code == 200
