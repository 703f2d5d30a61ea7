"""Demo mode: realistic Brazilian lead traffic for one simulated user."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

from whatrack.simulator import payloads, wire
from whatrack.simulator.emitter import WebhookEmitter
from whatrack.simulator.state import SentMessage, SimulatorState, SimUser

FIRST_NAMES = (
    "Mariana", "João", "Ana", "Pedro", "Juliana", "Lucas", "Beatriz", "Gabriel", "Camila", "Rafael",
    "Larissa", "Felipe", "Fernanda", "Bruno", "Patrícia", "Thiago", "Aline", "Rodrigo", "Letícia", "Diego",
)  # fmt: skip
LAST_NAMES = (
    "Souza", "Pereira", "Silva", "Oliveira", "Santos", "Costa", "Rodrigues", "Almeida", "Nascimento",
    "Lima", "Araújo", "Fernandes", "Carvalho", "Gomes", "Ribeiro", "Martins",
)  # fmt: skip
# Real area codes (DDD) of large Brazilian cities.
DDDS = ("11", "21", "31", "41", "47", "48", "51", "61", "62", "71", "81", "85", "91", "92", "27", "19")
CAMPAIGNS: tuple[tuple[str, str, str], ...] = (
    ("black_friday", "Black Friday: até 50% off", "Aproveite descontos de até 50%"),
    ("remarketing", "Ainda pensando? Fale com a gente", "Condições especiais para você"),
    ("lancamento_verao", "Coleção Verão chegou", "Peça já o seu catálogo"),
    ("frete_gratis", "Frete grátis para todo o Brasil", "Só esta semana"),
)
FIRST_MESSAGES = (
    "Oi, tudo bem? Vi o anúncio de vocês",
    "Olá! Gostaria de saber o preço",
    "Boa tarde, vocês entregam na minha cidade?",
    "Oi! Ainda tem disponível?",
    "Olá, queria mais informações por favor",
    "Bom dia! Como funciona o pagamento?",
    "Oi, vocês parcelam no cartão?",
)
MEDIA_CAPTIONS = ("Vi esse aqui, vocês têm?", "Tem nessa cor?", "Quero um igual a esse")
REPLIES = (
    "Perfeito, obrigada!",
    "Entendi. E qual o prazo de entrega?",
    "Consegue fazer um desconto no Pix?",
    "Ótimo, vou conversar com meu marido e te retorno",
    "Pode me mandar o catálogo?",
    "Fechado! Como faço o pagamento?",
    "Hmm, achei um pouco caro",
    "Vocês têm loja física?",
)
COMEBACK_MESSAGES = (
    "Oi, voltei! Ainda tem aquela condição?",
    "Olá de novo, decidi fechar. Como faço?",
)


@dataclass
class DemoLead:
    name: str
    phone: str
    responsive: bool
    campaign: str | None = None
    messages_sent: int = 0
    replies: int = 0
    last_agent_message: str = ""
    history: list[str] = field(default_factory=list)


def brazilian_mobile(rng: random.Random) -> str:
    """``55`` + DDD + ``9`` + 8 digits, the first being 6-9 (mobile ranges)."""
    ddd = rng.choice(DDDS)
    return "55" + ddd + "9" + str(rng.randint(6, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))


class DemoLeads:
    """Emits lead traffic for ``user`` and makes demo leads answer the agents.

    Timeline: the first lead after ``first_delay`` s, then one event every
    ``interval`` (uniform range) s, at most ``max_events`` in total. Some first messages carry
    a Click-to-WhatsApp referral, some an image, some leads never answer (they "go quiet"), and
    once enough leads exist an old one comes back. When the app sends ``/chat/send/*`` to a
    responsive demo lead, it types, answers with a canned Portuguese reply after
    ``reply_delay`` s and sometimes reacts with 👍. All choices come from ``seed``.
    """

    def __init__(
        self,
        state: SimulatorState,
        emitter: WebhookEmitter,
        user: SimUser,
        *,
        seed: int = 7,
        first_delay: float = 3.0,
        interval: tuple[float, float] = (20.0, 40.0),
        max_events: int = 12,
        reply_delay: tuple[float, float] = (2.0, 6.0),
        referral_ratio: float = 0.4,
        media_ratio: float = 0.2,
        quiet_ratio: float = 0.25,
    ) -> None:
        self.state = state
        self.emitter = emitter
        self.user = user
        self.rng = random.Random(seed)
        self.first_delay = first_delay
        self.interval = interval
        self.max_events = max_events
        self.reply_delay = reply_delay
        self.referral_ratio = referral_ratio
        self.media_ratio = media_ratio
        self.quiet_ratio = quiet_ratio
        self.leads: dict[str, DemoLead] = {}
        self.events_emitted = 0
        self._came_back = False
        self._task: asyncio.Task[Any] | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> asyncio.Task[Any]:
        if self._task is None:
            self.state.send_listeners.append(self._on_send)
            self._task = self.state.spawn(self.run())
        return self._task

    async def stop(self) -> None:
        if self._on_send in self.state.send_listeners:
            self.state.send_listeners.remove(self._on_send)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        await asyncio.sleep(self.first_delay)
        while self.events_emitted < self.max_events:
            await self.step()
            if self.events_emitted >= self.max_events:
                break
            await asyncio.sleep(self.rng.uniform(*self.interval))

    # traffic -----------------------------------------------------------------------------
    async def step(self) -> None:
        """Emit the next event: usually a new lead, once a returning old lead."""
        if not self._came_back and len(self.leads) >= 3 and self.rng.random() < 0.3:
            await self._comeback()
        else:
            await self.new_lead()
        self.events_emitted += 1

    def _new_profile(self) -> DemoLead:
        while True:
            phone = brazilian_mobile(self.rng)
            if phone not in self.leads:
                break
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        lead = DemoLead(name=name, phone=phone, responsive=self.rng.random() >= self.quiet_ratio)
        self.leads[phone] = lead
        return lead

    async def new_lead(self) -> DemoLead:
        lead = self._new_profile()
        referral: payloads.Referral | None = None
        if self.rng.random() < self.referral_ratio:
            campaign, title, body = self.rng.choice(CAMPAIGNS)
            source_id = "1202" + "".join(str(self.rng.randint(0, 9)) for _ in range(14))
            referral = payloads.Referral(campaign=campaign, source_id=source_id, title=title, body=body)
            lead.campaign = campaign
        msg_id = wire.message_id(self.rng)
        if self.rng.random() < self.media_ratio:
            caption = self.rng.choice(MEDIA_CAPTIONS)
            payload = payloads.media_message(
                kind="image",
                data=wire.tiny_png(self.rng.randrange(1 << 30)),
                caption=caption,
                phone=lead.phone,
                push_name=lead.name,
                message_id=msg_id,
                referral=referral,
                rng=self.rng,
            )
            lead.history.append(caption)
        else:
            text = self.rng.choice(FIRST_MESSAGES)
            payload = payloads.text_message(
                text=text, phone=lead.phone, push_name=lead.name, message_id=msg_id, referral=referral
            )
            lead.history.append(text)
        lead.messages_sent += 1
        await self.emitter.emit(self.user, payload)
        return lead

    async def _comeback(self) -> None:
        self._came_back = True
        lead = self.rng.choice(list(self.leads.values()))
        text = self.rng.choice(COMEBACK_MESSAGES)
        lead.history.append(text)
        lead.messages_sent += 1
        await self.emitter.emit(
            self.user, payloads.text_message(text=text, phone=lead.phone, push_name=lead.name, rng=self.rng)
        )

    # answering agents --------------------------------------------------------------------
    def _find_lead(self, chat: str) -> DemoLead | None:
        digits = wire.bare_user(chat)
        for phone, lead in self.leads.items():
            if digits in (phone, wire.without_ninth_digit(phone)):
                return lead
        return None

    def _on_send(self, user: SimUser, sent: SentMessage) -> None:
        if user.id != self.user.id:
            return
        lead = self._find_lead(sent.chat)
        if lead is None:
            return
        lead.last_agent_message = sent.id
        if not lead.responsive:
            return
        delay = self.rng.uniform(*self.reply_delay)
        react = self.rng.random() < 0.3
        reply = REPLIES[lead.replies % len(REPLIES)] if lead.replies else self.rng.choice(REPLIES)
        lead.replies += 1
        self.state.spawn(self._answer(lead, sent, reply, delay, react))

    async def _answer(self, lead: DemoLead, sent: SentMessage, reply: str, delay: float, react: bool) -> None:
        phone = lead.phone
        if react:
            await self.emitter.emit(
                self.user, payloads.reaction_message(target_id=sent.id, phone=phone, push_name=lead.name)
            )
        await asyncio.sleep(delay / 2)
        await self.emitter.emit(self.user, payloads.chat_presence(state="composing", phone=phone))
        await asyncio.sleep(delay / 2)
        lead.history.append(reply)
        await self.emitter.emit(
            self.user,
            payloads.text_message(
                text=reply,
                phone=phone,
                push_name=lead.name,
                quoted=payloads.Quote(sent.id, sent.text, self.user.jid or payloads.DEFAULT_OWN_JID) if react else None,
            ),
        )


class DemoDirector:
    """Starts a :class:`DemoLeads` for every user as soon as it has a webhook URL."""

    def __init__(self, state: SimulatorState, emitter: WebhookEmitter, *, seed: int = 7, **options: Any) -> None:
        self.state = state
        self.emitter = emitter
        self.seed = seed
        self.options = options
        self.running: dict[str, DemoLeads] = {}
        self._task: asyncio.Task[Any] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = self.state.spawn(self._watch())

    async def _watch(self) -> None:
        while True:
            for user in list(self.state.users.values()):
                if user.webhook and user.id not in self.running:
                    demo = DemoLeads(self.state, self.emitter, user, seed=self.seed + len(self.running), **self.options)
                    self.running[user.id] = demo
                    demo.start()
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for demo in self.running.values():
            await demo.stop()
