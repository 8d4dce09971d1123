"""Meter readings the customer types in: when a device's agent is not reading it, the dealer emails the customer
a one-time link to a page on the dealer's host where the meters are typed in from the device's panel.

`forms` checks what is sent and typed, `emails` sends the link (at once: it is kept nowhere else) and tells the
dealer what came back, `views` serves the device page's actions and the customer's public page. The rows and
the read itself are the fleet's (meters.services.reading_requests, meters.services.manual_reads).
"""
