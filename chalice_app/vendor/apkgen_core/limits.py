"""The sizes of the live log, one set for the runner, the handlers and the emulator.

API Gateway takes a posted message (``@connections`` POST data) of at most 128 KB and delivers
it in WebSocket frames of at most 32 KB (its quotas page: "WebSocket frame size 32 KB",
"Message payload size 128 KB"). A log line is cut to fit one frame inside its ``log``
envelope; a resume answers in messages of one frame each; a live post carries as many lines as
fit one message.
"""

from __future__ import annotations

FRAME_BYTES = 32 * 1024
MESSAGE_BYTES = 128 * 1024

# Room kept for the message envelope around the lines: ``{"type":"log","build":"<id>",
# "lines":[...]}`` with a build id of up to 64 characters.
ENVELOPE_RESERVE = 160
MAX_LINE_BYTES = FRAME_BYTES - ENVELOPE_RESERVE

MAX_CLIENT_MESSAGE_BYTES = 4096  # what a viewer may send us
MAX_SEQ = 2**53  # no seq is larger (JSON numbers stay exact up to here); DynamoDB takes it
