"""/compare: three methods, one answer."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_compare_runs_all_three_and_they_agree(client: TestClient) -> None:
    data = client.get("/compare/30", params={"algorithm": "recursive"}).json()
    assert [r["method"] for r in data["results"]] == ["Python", "WASM", "Native"]
    assert {r["fibonacci"] for r in data["results"]} == {832040}
    assert data["agree"] is True
    assert data["baseline"] == "Python"
    python, wasm, native = (r["execution_time"] for r in data["results"])
    assert data["speedup_wasm"] == python / wasm
    assert data["speedup_native"] == python / native
    assert data["message"] == "Fibonacci of 30 is 832040; all three methods agree"


def test_compare_with_huge_values(client: TestClient) -> None:
    data = client.get("/compare/20000", params={"algorithm": "fast_doubling"}).json()
    assert data["agree"] is True
    assert len({r["fibonacci"] for r in data["results"]}) == 1
    assert {r["fibonacci"] for r in data["results"]} == {r["digits"] for r in data["results"]}
    assert len(data["results"][0]["digits"]) == 4180


def test_compare_refuses_what_the_single_routes_refuse(client: TestClient) -> None:
    assert client.get("/compare/-5").status_code == 400
    assert client.get("/compare/41", params={"algorithm": "recursive"}).status_code == 400
    assert client.get("/compare/x").status_code == 422
