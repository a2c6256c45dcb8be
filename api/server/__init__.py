"""App wiring: authentication, headers, middlewares and the OpenAPI document; no business."""
