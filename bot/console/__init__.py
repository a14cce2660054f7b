"""The advocates' console: the page at ``/advocate`` and its JSON API under ``/advocate/api``.

``auth`` checks who calls (cookie, CSRF token, role) and ``accounts`` keeps the
accounts and sessions; the API is ``session_api`` (sign in and out, availability),
``chats_api`` (the queue and working a chat), ``admin_api`` (accounts, opening
hours) and ``events`` (the live stream); ``models`` types what they read and
answer, ``view`` builds what a chat shows, ``canned`` the standard texts,
``relay`` sends an advocate's words on the person's channel, ``page`` serves
``static/``.
"""
