"""``apkgen``: the organizer's terminal client (upload, follow the live log, download the APK).

Pure parts (argument parsing, log tracking and rendering) live apart from the I/O parts
(``api`` for HTTP, ``follow`` for the WebSocket) so they are tested without a network.
"""
