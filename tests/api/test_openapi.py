"""The OpenAPI document at /docs describes the upload as it really works."""

from __future__ import annotations

from tests.api.conftest import Api


def test_openapi_documents_the_upload(api: Api):
    spec = api.client.get("/openapi.json").json()
    upload = spec["paths"]["/api/v1/recordings"]["post"]
    assert upload["tags"] == ["recordings"]
    assert upload["summary"]
    names = {p["name"]: p for p in upload["parameters"]}
    assert {
        "court",
        "courtroom",
        "case_number",
        "hearing_started_at",
        "languages",
        "channel_map",
        "x-content-sha256",
    } <= set(names)
    assert names["case_number"]["required"] and names["case_number"]["in"] == "query"
    assert names["x-content-sha256"]["in"] == "header"
    assert upload["requestBody"]["content"]["*/*"]["schema"]["format"] == "binary"
    assert {"200", "201", "400", "401", "403", "413", "422", "503"} <= set(upload["responses"])
    assert "RecordingCreatedOut" in str(upload["responses"]["201"])
    tus = spec["paths"]["/api/v1/uploads/{upload_id}"]
    assert {"head", "patch", "delete", "get"} <= set(tus)
    assert "application/offset+octet-stream" in tus["patch"]["requestBody"]["content"]
    status = spec["paths"]["/api/v1/recordings/{recording_id}"]["get"]
    assert "RecordingOut" in str(status["responses"]["200"])
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert {t["name"] for t in spec["tags"]} == {
        "recordings",
        "uploads (tus)",
        "sign-in",
        "protocols",
        "audio",
        "search",
        "admin",
        "health",
    }
    used = {tag for path in spec["paths"].values() for op in path.values() for tag in op["tags"]}
    assert used == {t["name"] for t in spec["tags"]}


def test_docs_page_is_served(api: Api):
    response = api.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
