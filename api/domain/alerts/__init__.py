"""Alerts: events any area publishes (absence, overdue maintenance, rectifications) and
their delivery to the company's webhooks.

outbox.py   `publish`: the event and its pending deliveries, in the caller's transaction
jobs.py     `events.deliver` (one job per delivery, retried) and the sweeper
webhooks.py the message formats (generic JSON signed with HMAC, WeCom robots), the
            destination checks and the sending
controllers.py, services.py, schemas.py  /api/webhooks and /api/events

Not to be confused with the equipment log (`EquipmentEvent`, api/domain/equipment/):
what happened to one item, kept under its own name.
"""
