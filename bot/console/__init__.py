"""The advocates' console: the page at ``/advocate`` and its JSON API under ``/advocate/api``.

``auth`` checks who calls (cookie, CSRF token, role) and ``accounts`` keeps the
accounts and sessions; ``presence`` says where each advocate is (signed in,
available, their console live). The API is ``session_api`` (sign in and out,
availability, the session's time left), ``chats_api`` (the queue and working a
chat), ``handover_api`` (transfers, an admin taking a chat over), ``admin_api``
(accounts, opening hours, the supervisor's view) and ``events`` (the live stream);
``models`` types what they read and answer, ``view`` builds what a chat shows,
``transcript`` its messages with their writers and delivery, ``handover`` who holds
a chat and what the person is told of it, ``canned`` the standard texts, ``relay``
sends an advocate's words on the person's channel, ``page`` serves ``static/``.
"""
