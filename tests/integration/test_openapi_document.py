"""The document the PWA's types are generated from is the one the server serves.

`make api-types` builds the OpenAPI document from the app object with placeholder
settings (tools/openapi_document.py), so no database is needed to regenerate the types;
`make test` then checks the committed types against that document. This test closes the
loop: were the served document to depend on the settings or on start-up, the generated
types would describe an API nobody runs."""

from __future__ import annotations

import httpx

from tools.openapi_document import build_document


async def test_generated_from_the_served_document(api: httpx.AsyncClient) -> None:
    served = (await api.get("/schema/openapi.json")).json()
    assert build_document() == served
