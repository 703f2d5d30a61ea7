"""A fake WuzAPI server for demo mode and tests, faithful to WuzAPI's wire format.

What it simulates (see /work/shared/reference/wuzapi.md):

* the HTTP API the app uses: ``/chat/send/text|image|audio|video|document``,
  ``/chat/markread``, ``/chat/presence``, ``/session/*``, ``/webhook``,
  ``/session/hmac/config`` and ``/admin/users`` with WuzAPI's auth headers (``token`` /
  ``?token=`` for users, raw ``Authorization`` for admin), envelopes
  (``{"code","data","success"}`` / ``{"code","error","success"}``), status codes, error
  texts and key casing; JSON bodies are read like Go does (case-insensitive keys);
* webhooks in JSON or form mode (``jsonData`` + ``userID`` + ``instanceName``, encoded like
  Go's ``url.Values.Encode``), signed with ``x-hmac-signature`` over the exact body bytes;
* events built by :mod:`whatrack.simulator.payloads` (messages, media with inline base64,
  Click-to-WhatsApp referrals, reactions, edits, revokes, receipts, typing, lifecycle);
* Delivered/Read receipts after each accepted send, and per-user failure modes
  (:class:`FailureModes`): no session, slowness, 5xx, duplicate webhooks, reversed
  receipts, ``@lid`` senders and Brazilian JIDs without the ninth digit, a slow answer to
  a send that went out (``answer_delay_seconds``, ``hold_answers``);
* WuzAPI's webhook retries (:class:`WebhookRetry`, ``WEBHOOK_RETRY_*`` for ``whatrack
  simulator``): count = total attempts, delay x 2^(n-2), any non-2xx or network error fails;
* demo mode (:class:`DemoLeads`): Brazilian leads, ad referrals, images, replies.

Limits: there is no WhatsApp behind it. Only the endpoints above exist (others answer
gorilla/mux's plain-text 404). Remote media URLs are accepted but never fetched; images
must be PNG/JPEG/GIF like Go's ``image.Decode``. The QR code is a deterministic PNG, not a
scannable code; pairing happens with :meth:`WebhookEmitter.pair` (or automatically with
``auto_pair_seconds``). ``/session/connect`` never blocks (``Immediate`` is ignored), there
are no RabbitMQ, S3, proxies, history or global webhook. The webhook format
is per user here (WuzAPI has one global ``WEBHOOK_FORMAT``). Events go out only if the user
subscribed to them and, for chat events, while the session is connected.
"""

from whatrack.simulator import payloads
from whatrack.simulator.app import create_simulator_app
from whatrack.simulator.demo import DemoDirector, DemoLeads
from whatrack.simulator.emitter import WebhookEmitter, encode_webhook
from whatrack.simulator.server import SimulatorServer, add_user, serve
from whatrack.simulator.state import (
    FailureModes,
    RecordedRequest,
    SentMessage,
    SimulatorState,
    SimUser,
    WebhookDelivery,
    WebhookRetry,
)

__all__ = [
    "DemoDirector",
    "DemoLeads",
    "FailureModes",
    "RecordedRequest",
    "SentMessage",
    "SimUser",
    "SimulatorServer",
    "SimulatorState",
    "WebhookDelivery",
    "WebhookEmitter",
    "WebhookRetry",
    "add_user",
    "create_simulator_app",
    "encode_webhook",
    "payloads",
    "serve",
]
