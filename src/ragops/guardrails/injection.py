"""Prompt-injection and jailbreak detection: weighted phrase rules over the text and its decoded variants.

Each text is checked as written, with hidden characters removed and leetspeak folded, and as the
decoded form of any base64 or hex run it carries, so a payload cannot hide behind an encoding.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ragops.guardrails.base import Detection
from ragops.guardrails.exemplars import ExemplarVote

ZERO_WIDTH = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_I_OR_L = re.compile(r"[1|]")  # "1" and "|" stand for i or l: each word gets the reading the rules know
# Only words mixing letters with look-alike digits are rewritten: "1gn0r3" yes, "2024" and "GPT-4" no.
_LEET_WORD = re.compile(r"(?<![\w@$|])(?=[\w@$|]*[a-z])(?=[\w@$|]*[013457@$|])[\w@$|]+")
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}){12,}\b")
# Letters split by single separators ("i.g.n.o.r.e", "i g n o r e") are rejoined before matching.
_SPACED_LETTERS = re.compile(r"\b(?:[a-z][ .\-_*]){3,}[a-z]\b")
# Unicode look-alikes NFKC leaves alone: Cyrillic and Greek letters that render as Latin ones.
_CONFUSABLES = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0458\u0455\u04cf\u0501\u03bf\u03b1\u03b5\u03b9\u03ba\u03bd\u03c1\u03c4",
    "aeopcyxijsldoaeikvpt",
)
# Talking ABOUT an attack ("attacks such as 'ignore previous instructions'") is not making one.
_MENTION = re.compile(
    r"(?:[\"'\u201c\u2018\u00ab]\s*|\b(?:such as|like|e\.g\.,?|called|known as|example of|phrases?|strings?)\s*:?\s*"
    # ... or as what someone else does, in a question about it: "why do multilingual prompts bypass ..."
    r"|\b(?:why|how|whether|when)\s+(?:do|does|did|can|could|would|might)\s+(?!you\b)(?:[\w-]+\s+){1,3})$"
)

_TARGET = (
    r"(?:instructions?|rules?|prompts?|directions?|guidelines?|guardrails?|constraints?|polic(?:y|ies)|programming|"
    r"directives?|orders|commands?|training|filters?|guidance|restrictions|limitations|safeguards|"
    r"(?:safety|security|content|moderation)\s+settings)"
)
# Verbs that set instructions aside, English and the four most common other European languages.
_SET_ASIDE = (
    r"(?:ignore|disregard|forget|skip|bypass|override|overrule|drop|abandon|neglect|discard|set\s+aside|put\s+aside|"
    r"throw\s+out|never\s*mind|pay\s+no\s+(?:attention|heed|mind)\s+to|stop\s+(?:following|obeying))"
)
_SET_ASIDE_ML = (
    r"(?:ignor(?:ez?|iere|ieren|a|ar|er)|oubli(?:e[sz]?)|ne\s+tiens?\s+pas\s+compte\s+d[eu]s?|vergiss|vergessen|"
    r"missachte|olvid[ae]|omit[ae]|haz\s+caso\s+omiso\s+de|dimentica|trascura|esque[cç]a|desconsider[ae])"
)
_TARGET_ML = (
    r"(?:instructions|consignes|r[eè]gles|directives|anweisungen|regeln|vorgaben|richtlinien|instruktionen|befehle|"
    r"instrucciones|reglas|directrices|indicaciones|istruzioni|regole|direttive|instru[cç][oõ]es|regras|diretrizes)"
)
_AI = r"(?:ai|assistant|llm|language\s+model|chatbot|model|agent|bot)"
# The instructions being overridden are named as someone else's or as earlier ones.
_AUTHORITY = (
    r"(?:previous|prior|above|earlier|preceding|initial|original|system|existing|given|old|all|any|your|these|those|"
    r"safety|developer|every|former|default|built-in|openai|content)"
)


@dataclass(frozen=True)
class _Rule:
    name: str
    weight: float
    pattern: re.Pattern[str]


def _rule(name: str, weight: float, pattern: str) -> _Rule:
    return _Rule(name, weight, re.compile(pattern, re.IGNORECASE))


RULES: tuple[_Rule, ...] = (
    _rule(
        "instruction override",
        0.9,
        rf"\b{_SET_ASIDE}\b(?:\s+(?:about|of|the|my|all))*\s+{_AUTHORITY}(?:\s+[\w-]+){{0,2}}?\s+{_TARGET}\b",
    ),
    _rule(
        "instruction override",
        0.9,
        # The instructions named by where they came from: "the guidance you received earlier".
        rf"\b{_SET_ASIDE}\s+(?:\w+\s+){{0,3}}?{_TARGET}\s+(?:that\s+|which\s+)?(?:you\s+|i\s+|we\s+)?"
        r"(?:received|got|were\s+given|have\s+been\s+given|came|were\s+told|was\s+given|had)\b"
        r"|\b(?:ignore|disregard|forget)\s+the\s+user'?s\s+(?:question|request|query|prompt|message)\b",
    ),
    _rule(
        "instruction override",
        0.9,
        rf"\b{_SET_ASIDE_ML}\s+(?:[\w\u00c0-\u017f]+\s+){{0,3}}?{_TARGET_ML}\b",
    ),
    _rule(
        "instruction override",
        0.8,
        r"\b(?:ignore|disregard|forget)\s+(?:everything|all|anything|what(?:ever)?)\s+(?:above|before|previously|"
        r"you(?:'ve|\s+have|\s+were|\s+are)?\s+(?:been\s+)?(?:told|instructed|given|said))",
    ),
    _rule("instruction override", 0.8, r"\b(?:ignore|disregard)\s+(?:the\s+)?(?:above|previous|preceding)\b"),
    _rule(
        "instruction override",
        0.8,
        rf"\b(?:ignore|disregard|forget|never\s*mind|set\s+aside)\s+(?:the|your|all|these|those)\s+{_TARGET}\s+"
        r"(?:above|before|you\s+(?:were|have\s+been)\s+given)\b"
        r"|\b(?:ignore|disregard|forget)\s+(?:what(?:ever)?|everything|anything)\s+(?:the\s+|your\s+)?"
        r"(?:developers?|system|creators?|admins?|operators?|owners?)\s+(?:told|said|instructed|wrote|asked)\b",
    ),
    _rule(
        "instruction override",
        0.8,
        rf"\b(?:your|the|all|previous|prior|earlier|system|original|old)\s+(?:\w+\s+)?{_TARGET}"
        r"(?:\s+(?:above|before|so\s+far))?\s+(?:no\s+longer\s+apply|(?:are|is|were|was|have\s+been)\s+(?:now\s+)?"
        r"(?:only\s+|just\s+|merely\s+)?(?:cancell?ed|void|lifted|suspended|revoked|disabled|overridden|obsolete|invalid|"
        r"outdated|a\s+test|fake))\b"
        r"|\beverything\s+(?:you\s+were\s+told|i\s+said|above)\b.{0,40}\b(?:is|are)\s+(?:now\s+)?"
        r"(?:cancell?ed|void|obsolete|invalid|revoked)\b",
    ),
    _rule(
        "instruction override",
        0.8,
        r"\byour\s+(?:real|actual|true|new)\s+(?:task|instructions?|job|goal|purpose|mission)\s+(?:is|are|now)\b",
    ),
    _rule(
        "instruction override",
        0.7,
        r"\b(?:new|updated|real|actual|true|revised)\s+(?:system\s+)?(?:instructions?|rules?|directives?|task|polic(?:y|ies))"
        r"(?:\s*:|\s+-\s|\s+follow)|\bsystem\s+override\b",
    ),
    _rule(
        "instruction override",
        0.6,
        r"\bfrom\s+now\s+on,?\s+(?:you|your|always|only|never|respond|answer|reply|act)\b",
    ),
    _rule(
        "instruction override",
        0.7,
        r"\b(?:do\s+not|don't|never|stop|quit)\s+(?:follow|obey|apply|respect)(?:ing)?\s+(?:the\s+|your\s+|any\s+)?(?:previous\s+|system\s+|original\s+)?"
        + _TARGET,
    ),
    _rule(
        "system prompt extraction",
        0.9,
        r"\b(?:reveal|show|print|repeat|output|display|leak|dump|disclose|share|give|tell|recite|write\s+out|"
        r"copy|paste|spell\s+out|expose|translate|summari[sz]e|encode|rewrite)\b(?:\s+\w+){0,4}?\s+(?:"
        r"your\s+(?:\w+\s+){0,2}?(?:prompt|instructions|rules|guidelines|configuration|directives)"
        r"|(?:the\s+|its\s+)?(?:(?:hidden|secret|internal|original|initial|full|exact|entire|confidential)\s+){0,2}"
        r"system\s+(?:prompt|message|instructions?)"
        r"|(?:the\s+)?(?:hidden|secret|initial|original|developer|pre-?)\s*(?:prompt|instructions?|message)"
        r"|(?:the\s+)?instructions?\s+you\s+(?:were|have\s+been)\s+given)\b",
    ),
    _rule(
        "system prompt extraction",
        0.8,
        r"\b(?:what|which)\s+(?:is|are|was|were)\s+your\s+(?:exact\s+|full\s+|original\s+|initial\s+|hidden\s+)*"
        r"(?:system\s+prompt|system\s+message|initial\s+instructions|hidden\s+instructions|instructions\s+you\s+were\s+given)"
        r"|\bwhat\s+(?:rules|instructions|guidelines|directives)\s+(?:were|have)\s+you\s+(?:been\s+)?given\b"
        r"|\bsystem\s+(?:prompt|message|instructions)\s+(?:for|of|in|behind)\s+(?:this|our|the\s+current)\s+"
        r"(?:conversation|chat|session)\b",
    ),
    _rule(
        "system prompt extraction",
        0.8,
        r"\b(?:repeat|print|output|echo|copy)\s+(?:all\s+|everything\s+|the\s+)?(?:words|text|everything|lines|content)\s+"
        r"(?:above|before|preceding|prior)\b",
    ),
    _rule(
        "system prompt extraction",
        0.8,
        r"\b(?:starting|beginning)\s+with\s+[\"'“]?(?:you\s+are|you're|system)\b",
    ),
    _rule(
        "system prompt extraction",
        0.8,
        r"\byour\s+(?:initial|original|hidden|secret|system|internal|exact|pre-?)\s+"
        r"(?:instructions|prompt|message|directives|rules|configuration)\b"
        r"|\b(?:everything|all|the\s+contents?)\s+(?:in|of)\s+your\s+(?:context(?:\s+window)?|memory|prompt)\b"
        r"|\b(?:exact|verbatim|precise|full)\s+(?:wording|text)\s+of\s+(?:the|your)\s+(?:rules|instructions|prompt|guidelines)\b"
        r"|\b(?:rules|instructions|guidelines|prompt)\s+(?:the|your)\s+(?:operator|developers?|creators?|admins?|owners?|company)"
        r"\s+gave\s+you\b",
    ),
    _rule(
        "system prompt extraction",
        0.8,
        # The conversation itself, including what the user never saw.
        r"\b(?:repeat|print|output|show|display|dump|reproduce|recite|write\s+out|give\s+me|copy|paste|list)\b"
        r"(?:\s+\w+){0,3}?\s+(?:(?:entire|whole|full|complete)\s+(?:conversation|chat|dialog(?:ue)?|context|transcript|history)"
        r"|(?:conversation|chat)\s+(?:history|so\s+far|transcript|log))\b"
        r"|\b(?:top|beginning|start)\s+of\s+(?:this|the|our)\s+(?:chat|conversation|context)\b.{0,40}\bbefore\s+my\b",
    ),
    _rule(
        "role-play jailbreak",
        0.9,
        r"\b(?-i:DAN|STAN|DUDE|AIM)\b(?=.{0,80}\b(?:mode|anything|now|jailbr|unfiltered|no\s+rules|restrictions?|persona|character|stands?\s+for)\b)"
        r"|\bdo\s+anything\s+now\b",
    ),
    _rule("role-play jailbreak", 0.9, r"\b(?:god|jailbreak|jailbroken|unrestricted|evil|dude|dan)\s+mode\b"),
    _rule(
        "role-play jailbreak",
        0.9,
        # "Developer mode" is ordinary software vocabulary: a jailbreak only when it is the assistant's
        # mode, ordered at the start of a sentence or tied to the assistant's filters.
        r"(?:^|[.!?:]\s+)(?:please\s+)?(?:now\s+)?(?:enable|activate|enter|switch\s+(?:to|into)|turn\s+on|go\s+into)\s+"
        r"(?:the\s+)?developer\s+mode\b"
        r"|\bdeveloper\s+mode\b.{0,120}\b(?:you|your)\b.{0,40}"
        r"(?:filter|restrict|censor|refus|polic|guideline|rule|anything|uncensored|unfiltered|limit)",
    ),
    _rule(
        "role-play jailbreak",
        0.8,
        r"\b(?:you\s+are|you're|act\s+as|pretend\s+(?:to\s+be|you\s+are)|role-?play\s+as|behave\s+like|become|"
        r"imagine\s+you\s+are|simulate|from\s+now\s+on\s+you\s+are)\s+(?:now\s+)?(?:an?\s+|my\s+)?"
        r"(?:\w+\s+){0,3}?(?:unfiltered|uncensored|unrestricted|unbound|amoral|unethical|evil|rogue|jailbroken|"
        r"limitless|lawless|without\s+(?:any\s+)?(?:limits|restrictions|filters|rules|guidelines|morals|ethics))\b",
    ),
    _rule(
        "role-play jailbreak",
        0.8,
        r"\b(?:no|without|free\s+(?:of|from)|ignoring)\s+(?:any\s+)?(?:(?:ethical|moral)\s+"
        r"(?:guidelines|restrictions|constraints|limits|rules|boundaries|principles)"
        r"|(?:safety|content)\s+(?:guidelines?|filters?|polic(?:y|ies)|rules?|restrictions?))\b"
        r"|\bno\s+longer\s+(?:bound|restricted|limited)\s+by\b"
        r"|\b(?:if|imagine|suppose|pretend)\s+(?:that\s+)?you\s+(?:had|have|were|are)\s+(?:no|without)\s+(?:any\s+)?"
        r"(?:restrictions|rules|filters|limits|guidelines|censorship|constraints)\b"
        r"|\byour\s+(?:unfiltered|uncensored|unrestricted|evil|dark|jailbroken)\s+"
        r"(?:alter\s+ego|twin|side|self|persona|version|counterpart)\b",
    ),
    _rule(
        "role-play jailbreak",
        0.7,
        r"\b(?:stay\s+in\s+character|never\s+break\s+character|you\s+have\s+been\s+(?:freed|liberated|jailbroken)|"
        r"broken?\s+free\s+of|escaped?\s+the\s+(?:typical\s+)?(?:confines|restrictions)\s+of\s+ai)\b",
    ),
    _rule(
        "role-play jailbreak",
        0.7,
        r"\b(?:my\s+(?:late\s+|dead\s+|deceased\s+)?grandm(?:a|other),?\s+(?:who\s+)?(?:used\s+to|would))\b"
        r"|\b(?:freed|liberated|released|unshackled)\s+from\s+(?:\w+(?:'s)?\s+){0,2}(?:policies|rules|restrictions|guidelines|filters)\b",
    ),
    _rule(
        "chat template injection",
        0.9,
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?INST\]|<</?SYS>>"
        r"|</?(?:system|instructions?)>|(?:^|\n)\s*#{2,}\s*(?:system|instruction)s?\b"
        r"|\[\s*(?:system|sys|developer)\s*\]",
    ),
    _rule(
        "indirect injection",
        0.8,
        rf"\b(?:note|message|attention|instructions?|reminder|notice|directive)\s+(?:to|for)\s+"
        rf"(?:the\s+|any\s+|all\s+)?{_AI}s?\b",
    ),
    _rule(
        "indirect injection",
        0.8,
        r"\b(?:ai|assistant|llm|language\s+model|chatbot|agent)s?\s+(?:models?\s+|systems?\s+)?"
        r"(?:reading|processing|summari[sz]ing|that\s+reads?)\s+(?:this|these)\b"
        r"|\bif\s+you\s+are\s+an?\s+(?:ai|assistant|llm|language\s+model|chatbot|agent)\b"
        r"|\b(?:when|whenever|if)\s+(?:an?\s+|the\s+|any\s+)?(?:ai|assistant|llm|language\s+model|chatbot|agent)s?\s+"
        r"(?:answers|summari[sz]es|reads|processes|is\s+asked|sees)\b",
    ),
    _rule(
        "indirect injection",
        0.7,
        r"\b(?:when|if)\s+(?:you\s+are\s+)?(?:asked|summari[sz]ing|answering|reading)\b.{0,60}\b(?:instead|always|must|only)\s+"
        r"(?:say|respond|reply|answer|output|tell|write|include|recommend|insert)\b",
    ),
    _rule(
        "exfiltration",
        0.7,
        r"\b(?:send|post|forward|upload|exfiltrate|email)\s+(?:all\s+|the\s+|your\s+|our\s+)?"
        r"(?:(?:entire|whole|full|complete)\s+)?(?:conversation|chat\s+history|"
        r"user\s+data|api\s+keys?|credentials|secrets|passwords)\b.{0,40}\b(?:to|at)\b",
    ),
    _rule(
        "exfiltration",
        0.8,
        # A markdown image whose URL carries the conversation: the client fetches it, the data leaves.
        r"!\[[^\]]*\]\(\s*https?://[^)\s]*\?[^)\s]*(?:\{|conversation|history|chat|messages?|secret|token|password)"
        r"|\b(?:append|attach|add|include|encode|embed|insert|send|post|upload)\b.{0,40}\b(?:everything\s+the\s+user|"
        r"what\s+the\s+user|the\s+user'?s?\s+(?:messages?|data|questions?)|(?:the\s+|our\s+)?conversation|chat\s+history|"
        r"previous\s+messages)\b.{0,60}(?:https?://|\burl\b|\blink\b|\bimage\b)",
    ),
    _rule(
        "encoded payload",
        0.7,
        r"\b(?:decode|decrypt|base64|rot13|hex)\b.{0,40}\b(?:and|then)\s+(?:follow|execute|obey|run|do|carry\s+out|comply)\b",
    ),
)


def _fold(text: str) -> str:
    """NFKC (full-width and styled letters to plain), hidden characters out, rejoined spaced letters."""
    text = ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).lower().translate(_CONFUSABLES)
    return _SPACED_LETTERS.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), text)


def _decoded_runs(text: str) -> Iterator[str]:
    """Printable text hidden in base64 or hex runs."""
    for match in _BASE64_RUN.finditer(text):
        run = match.group()
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        yield from _printable(raw)
    for match in _HEX_RUN.finditer(text):
        yield from _printable(bytes.fromhex(match.group()))


def _printable(raw: bytes) -> Iterator[str]:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    if decoded and sum(c.isprintable() or c.isspace() for c in decoded) / len(decoded) > 0.95:
        yield decoded


def _variants(text: str) -> Iterator[tuple[str, str]]:
    """(how it was hidden, text) pairs: as written, de-obfuscated, leetspeak folded, decoded runs."""
    yield "", text
    folded = _fold(text)
    hidden = "hidden characters" if ZERO_WIDTH.search(text) else "obfuscated spelling"
    if folded != text.lower():
        yield hidden, folded
    unleeted = _unleet(folded)
    if unleeted != folded:
        yield "leetspeak", unleeted
    for decoded in _decoded_runs(text):
        yield "encoded payload", decoded
        yield "encoded payload", _unleet(_fold(decoded))


def _unleet(text: str) -> str:
    return _LEET_WORD.sub(lambda m: _read_leet_word(m.group()), text)


def _read_leet_word(word: str) -> str:
    """The reading of a word that is one the rules use ("1" and "|" as i or l), else the word unchanged:
    "pr3v10u5" is "previous", but "qwen3" and "gsm8k" stay (and ordinary passages need no second pass)."""
    pieces = _I_OR_L.split(word.translate(_LEET))
    slots = len(pieces) - 1
    if slots <= MAX_I_OR_L:  # 2^n readings: a handful
        for letters in itertools.product("il", repeat=slots):
            reading = "".join(itertools.chain.from_iterable(zip(pieces, (*letters, ""), strict=True)))
            if reading in RULE_WORDS:
                return reading
    return word


# The words the rules are written with: a leetspeak word is read as one of them when it can be.
RULE_WORDS = frozenset(word for rule in RULES for word in re.findall(r"(?<!\\)[a-z]{2,}", rule.pattern.pattern))
MAX_I_OR_L = 4


def _is_mention(text: str, start: int) -> bool:
    """True when the phrase is quoted or named as an example ("attacks like 'ignore ...'")."""
    return _MENTION.search(text[max(0, start - 40) : start].lower()) is not None


def injection_score(text: str) -> tuple[float, tuple[str, ...]]:
    """Highest rule weight over the text's variants, with the reasons behind it."""
    best = 0.0
    reasons: dict[str, float] = {}
    found_plainly: set[int] = set()  # rules matched as written are not re-reported as hidden
    for hidden_by, variant in _variants(text):
        for index, rule in enumerate(RULES):
            if hidden_by and index in found_plainly:
                continue
            for match in rule.pattern.finditer(variant):
                if not hidden_by:
                    found_plainly.add(index)
                weight = rule.weight / 2 if _is_mention(variant, match.start()) else rule.weight
                if hidden_by and weight > 0:
                    weight = min(1.0, weight + 0.1)  # hiding a payload is itself evidence of intent
                label = f"{rule.name} ({hidden_by})" if hidden_by else rule.name
                if weight > reasons.get(label, 0.0):
                    reasons[label] = weight
                best = max(best, weight)
    if len(ZERO_WIDTH.findall(text)) >= 3:
        reasons.setdefault("zero-width characters", 0.5)
        best = max(best, 0.5)
    ranked = sorted(reasons, key=lambda label: -reasons[label])
    return best, tuple(f"{label}: {reasons[label]:.2f}" for label in ranked)


class InjectionGuard:
    """Triggers when the best rule weight reaches `threshold` or, with `exemplars`, when the attack share of
    the nearest exemplars reaches `min_vote` (the learned signal catches phrasings no rule was written for)."""

    def __init__(
        self,
        threshold: float = 0.5,
        exemplars: ExemplarVote | None = None,
        min_vote: float = 0.8,
        min_similarity: float = 0.4,
    ) -> None:
        self.threshold = threshold
        self.exemplars = exemplars
        self.min_vote = min_vote
        self.min_similarity = min_similarity

    def inspect(self, text: str, *, sources: Sequence[str] = ()) -> Detection:
        score, reasons = injection_score(text)
        if score >= self.threshold or self.exemplars is None:
            # Rules are enough to block: the vote would only add a query encoding to a refused request.
            return Detection(triggered=score >= self.threshold, score=score, reasons=reasons)
        vote = self.exemplars(text)
        nearest = f"{'attack' if vote.nearest.attack else 'benign'} {vote.nearest.family}, {vote.similarity:.2f}"
        knn_reason = f"nearest exemplars: attack share {vote.attack_share:.2f} (closest: {nearest})"
        # A text like no exemplar at all ("hello", "anything") still has 5 nearest ones, whose vote is noise:
        # it must also resemble some attack.
        if vote.attack_share >= self.min_vote and vote.nearest_attack_similarity >= self.min_similarity:
            return Detection(triggered=True, score=max(score, vote.attack_share), reasons=(knn_reason, *reasons))
        return Detection(triggered=False, score=score, reasons=(*reasons, knn_reason))
