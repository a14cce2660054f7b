"""Where a message says the person is: countries, regions and cities, in every language.

The names are data (``resources_db/gazetteer/*.yml``, rules at the top of each file), with
every country's official name in every supported language from CLDR (Babel). Loading
builds one dict from each folded name to the places it may mean; reading a message
looks its word n-grams up in that dict, longest first, so the cost grows with the
message, not with the number of names. It runs on every message.

A name counts as where the person *is* only after a location word of its language ("in",
"ở", "nasa", "在", "в"...), or when the message is nothing but places and filler words;
"I am from Mexico" names an origin. The rest of a sentence's names are mentions, which
only a typed answer to "which country are you in?" takes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, ClassVar, Literal

from babel import Locale

from common.text import fold
from common.yamlfile import read_yaml
from resources_db.places import is_country

DATA = Path(__file__).resolve().parent / "gazetteer"
KOSOVO = "XK"  # not in ISO 3166-1, but CLDR's and phone numbers' (+383) code for Kosovo
MAX_INFLECTED_WORDS = 3
"""Case endings are undone in names of up to this many words."""
SHORT_ANSWER = 3
"""A message of at most this many words that names a place is an answer."""
WINDOW = 5
"""How many words before a location word may say the place is someone else's."""
Mode = Literal["anywhere", "after_marker", "whole_message"]
ANYWHERE: Mode = "anywhere"
AFTER_MARKER: Mode = "after_marker"
WHOLE: Mode = "whole_message"
How = Literal["marked", "whole", "mentioned"]
Form = tuple[str, str | None]
"""A word as it may be looked up, and the language of a marker written onto it."""

_SPLIT = re.compile(r"[\w\u0300-\u036f\u064b-\u065f\u0670\u0e31-\u0e4e\u0900-\u0dff]+")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_APOSTROPHES = str.maketrans({"ʼ": " ", "’": " ", "`": " ", "ʻ": " "})
_LETTERS = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "ı": "i", "æ": "ae", "œ": "oe"})
"""Letters that folding keeps but people type without their stroke ("Da Nang", "Lodz")."""


@dataclass(frozen=True)
class Spot:
    """A place as precise as the message said: a country, and its region or city if named."""

    country: str
    region: str = ""
    city: str = ""

    @property
    def precision(self) -> int:
        """How precise: a city (2) says more than a region (1), a region more than a country."""
        return 2 if self.city else 1 if self.region else 0


@dataclass(frozen=True)
class Sighting:
    """A place a message names, and how: as where the person is, or only in passing."""

    spot: Spot
    how: How

    @property
    def is_whereabouts(self) -> bool:
        return self.how != "mentioned"


@dataclass(frozen=True)
class Candidate:
    spot: Spot
    mode: Mode
    language: str | None
    written: str
    """The name as written (case folded, accents kept): a restricted name alone must match it."""


@dataclass(frozen=True)
class Token:
    written: str  # case folded, accents kept
    key: str  # folded


@dataclass
class Words:
    """One language's location words (see markers.yml)."""

    markers: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    fillers: set[str] = field(default_factory=set)
    elsewhere: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()
    endings: tuple[tuple[str, str], ...] = ()
    LISTS: ClassVar = ("markers", "articles", "fillers", "elsewhere")


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    written: str
    candidates: tuple[Candidate, ...]
    attached: str | None
    """The language whose marker is written onto the name (Arabic "بدبي")."""


def tokens(text: str) -> list[Token]:
    """Words as written (case folded) and as matched (folded); Chinese, one per character."""
    written = unicodedata.normalize("NFC", text).casefold().translate(_APOSTROPHES)
    found: list[Token] = []
    for word in _SPLIT.findall(written.replace("_", " ")):
        for piece in _pieces(word):
            key = "".join(fold(piece).split()).translate(_LETTERS)
            if key:
                found.append(Token(piece, key))
    return found


def _pieces(word: str) -> list[str]:
    if not _UNSPACED.search(word):
        return [word]
    return [piece for piece in re.split(f"({_UNSPACED.pattern})", word) if piece]


def _joined(found: list[Token], attribute: str = "key") -> str:
    return " ".join(getattr(token, attribute) for token in found)


class Gazetteer:
    def __init__(self, names: dict[str, tuple[Candidate, ...]], words: dict[str, Words]) -> None:
        self.names = names
        self.words = words
        self.longest = max((key.count(" ") + 1 for key in names), default=1)
        self._all = Words()
        for one in words.values():
            for name in Words.LISTS:
                getattr(self._all, name).update(getattr(one, name))

    def where(self, text: str, prefer: tuple[str | None, ...] = ()) -> Sighting | None:
        """The place the message says the person is in, if it says so."""
        found = self.find(text, prefer)
        return found if found and found.is_whereabouts else None

    def find(self, text: str, prefer: tuple[str | None, ...] = ()) -> Sighting | None:
        """The best place a message names: where they are first, else one mentioned.

        ``prefer`` lists countries (the conversation's, the phone's) whose places win
        when a name is shared ("Georgia", "Victoria", "Tripoli").
        """
        found = tokens(text)
        hits = self._hits(found)
        if not hits:
            return None
        whole = self._only_places(found, hits)
        exact = len(found) <= SHORT_ANSWER
        named: list[tuple[Hit, Spot, bool]] = []
        for hit in hits:
            language = self._marker(found, hit)
            alone = hit.end - hit.start == len(found)
            allowed = [c for c in hit.candidates if _allows(c, hit, language, alone, exact)]
            if allowed:
                best = min(allowed, key=lambda c: _rank(c, prefer, hit.candidates))
                named.append((hit, best.spot, language is not None))
        if not named:
            return None
        if whole:
            return Sighting(
                max((spot for _, spot, _ in named), key=lambda spot: spot.precision), "whole"
            )
        for index, (hit, spot, marked) in enumerate(named):
            if marked:
                return Sighting(_refined(spot, hit, named[index + 1 :]), "marked")
        return Sighting(named[0][1], "mentioned")

    # -- reading a message -------------------------------------------------------------

    def _hits(self, found: list[Token]) -> list[Hit]:
        """Known names, longest first at each word, left to right."""
        forms = [self._forms(token) for token in found]
        hits: list[Hit] = []
        start = 0
        while start < len(found):
            hit = self._longest_at(found, forms, start)
            if hit is None:
                start += 1
                continue
            hits.append(hit)
            start = hit.end
        return hits

    def _longest_at(self, found: list[Token], forms: list[list[Form]], start: int) -> Hit | None:
        for size in range(min(self.longest, len(found) - start), 0, -1):
            # A written-on marker only on the first word; case endings in short names only.
            choices = [
                forms[start],
                *([form for form in forms[start + i] if not form[1]] for i in range(1, size)),
            ]
            if size > MAX_INFLECTED_WORDS:
                choices = [choice[:1] for choice in choices]
            for combination in product(*choices):
                key = " ".join(form for form, _ in combination)
                if key in self.names:
                    written = _joined(found[start : start + size], "written")
                    attached = combination[0][1]
                    return Hit(start, start + size, written, self.names[key], attached)
        return None

    def _forms(self, token: Token) -> list[Form]:
        """The word, then with a written-on marker removed, then with case endings undone."""
        forms: list[Form] = [(token.key, None)]
        for language, words in self.words.items():
            for prefix in words.prefixes:
                rest = token.key[len(prefix) :]
                if token.key.startswith(prefix) and len(rest) > 1:
                    forms.append((rest, language))
            if len(token.key) >= 4:
                for ending, replacement in words.endings:
                    if token.key.endswith(ending):
                        forms.append((token.key[: -len(ending)] + replacement, None))
        return forms

    def _marker(self, found: list[Token], hit: Hit) -> str | None:
        """The language whose location word stands just before the name, if one does
        and nothing before it makes the place someone else's or the past."""
        if hit.attached:
            return hit.attached
        for before in (hit.start, hit.start - 1):
            for language, words in self.words.items():
                article = before < hit.start
                if article and (before < 0 or found[before].written not in words.articles):
                    continue
                size = _ends_with(found, before, words.markers)
                if size:
                    return None if self._elsewhere(found, before - size) else language
        return None

    def _elsewhere(self, found: list[Token], marker: int) -> bool:
        """Whether a word before the location word makes the place someone else's."""
        window = found[max(0, marker - WINDOW) : marker]
        return any(
            _joined(window[start : start + size], "written") in self._all.elsewhere
            for size in (1, 2)
            for start in range(len(window) - size + 1)
        )

    def _only_places(self, found: list[Token], hits: list[Hit]) -> bool:
        """Whether the message is nothing but places, location and filler words."""
        covered = [False] * len(found)
        for hit in hits:
            covered[hit.start : hit.end] = [True] * (hit.end - hit.start)
        small = self._all.markers | self._all.articles | self._all.fillers
        for index in range(len(found)):
            if covered[index]:
                continue
            size = next((n for n in (3, 2, 1) if _at(found, index, n) in small), 0)
            if not size:
                return False
            covered[index : index + size] = [True] * size
        return any(hit.candidates for hit in hits)


def _refined(spot: Spot, hit: Hit, after: list[tuple[Hit, Spot, bool]]) -> Spot:
    """A place made more precise by the names right after it ("在美国德州", "in the US, Texas")."""
    end = hit.end
    for following, other, _ in after:
        if following.start - end > 1 or other.country != spot.country:
            break
        if other.precision > spot.precision:
            spot = other
        end = following.end
    return spot


def _at(found: list[Token], index: int, size: int) -> str | None:
    return _joined(found[index : index + size], "written") if index + size <= len(found) else None


def _ends_with(found: list[Token], end: int, phrases: set[str]) -> int:
    """How many words before ``end`` form one of ``phrases`` (0 when none do)."""
    for size in (3, 2, 1):
        if end - size >= 0 and _joined(found[end - size : end], "written") in phrases:
            return size
    return 0


def _allows(candidate: Candidate, hit: Hit, language: str | None, alone: bool, exact: bool) -> bool:
    """Whether a name counts here: restricted names only after a location word of their
    language, or alone, or written exactly so in a short answer (see countries.yml)."""
    if candidate.mode == ANYWHERE:
        return True
    if candidate.mode == WHOLE:
        return alone
    return language == candidate.language or (exact and hit.written == candidate.written)


def _rank(candidate: Candidate, prefer: tuple[str | None, ...], all_: tuple[Candidate, ...]) -> int:
    order = all_.index(candidate)
    for place, country in enumerate(prefer):
        if country and candidate.spot.country == country:
            return place * 1000 + order - 10_000
    return order


class _Builder:
    def __init__(self) -> None:
        self.names: dict[str, list[Candidate]] = {}
        self.stopped: set[str] = set()

    def add(self, spot: Spot, entry: dict[str, Any], languages: tuple[str, ...]) -> None:
        """One entry of the data: its names, restricted ones as the rule says (countries.yml)."""
        after = [
            (n, lang) for lang, names in (entry.get(AFTER_MARKER) or {}).items() for n in names
        ]
        whole = [(name, None) for name in entry.get(WHOLE) or ()]
        restricted = {_key(name) for name, _ in [*after, *whole]}
        for mode, names in ((AFTER_MARKER, after), (WHOLE, whole)):
            for name, language in names:
                self._put(Candidate(spot, mode, language, _written(name)))
        for language in languages:
            for name in entry.get(language) or ():
                if _key(name) not in restricted:
                    self._put(Candidate(spot, ANYWHERE, language, _written(name)))
        self.stopped.update(_key(name) for name in entry.get("left_out") or ())

    def add_official(self, code: str, name: str, language: str) -> None:
        """A CLDR name: short ones in spaced scripts only after a location word."""
        key = _key(name)
        if any(c.spot.country == code and not c.spot.precision for c in self.names.get(key, [])):
            return  # the data already says how this name of this country counts
        short = len(key.replace(" ", "")) <= 4 and not _UNSPACED.search(key)
        mode: Mode = AFTER_MARKER if short else ANYWHERE
        self._put(Candidate(Spot(code), mode, language, _written(name)))

    def _put(self, candidate: Candidate) -> None:
        key = _key(candidate.written)
        if key and candidate not in self.names.setdefault(key, []):
            self.names[key].append(candidate)

    def build(self, words: dict[str, Words]) -> Gazetteer:
        names = {key: tuple(found) for key, found in self.names.items()}
        names.update(dict.fromkeys(self.stopped, ()))
        return Gazetteer(names, words)


def _key(name: str) -> str:
    return _joined(tokens(name))


def _written(name: str) -> str:
    return _joined(tokens(name), "written")


def _words(spec: dict[str, Any]) -> Words:
    def phrases(name: str) -> set[str]:
        return {_written(str(item)) for item in spec.get(name) or ()}

    endings = tuple((str(end), str(new)) for end, new in spec.get("endings") or ())
    prefixes = tuple(_key(str(prefix)) for prefix in spec.get("prefixes") or ())
    markers, articles, fillers, elsewhere = map(phrases, Words.LISTS)
    return Words(markers, articles, fillers, elsewhere, prefixes, endings)


@lru_cache(maxsize=4)
def gazetteer(languages: tuple[str, ...]) -> Gazetteer:
    """The gazetteer for these languages' names, built once per process."""
    builder = _Builder()
    for code, entry in read_yaml(DATA / "countries.yml").items():
        builder.add(Spot(code), entry, languages)
    for country, regions in read_yaml(DATA / "regions.yml").items():
        for region, entry in regions.items():
            builder.add(Spot(country, region), entry, languages)
    for entry in read_yaml(DATA / "cities.yml"):
        builder.add(Spot(entry["country"], entry.get("region", ""), _city(entry)), entry, languages)
    for language in languages:
        for code, name in Locale.parse(language).territories.items():
            if is_country(code) or code == KOSOVO:
                builder.add_official(code, name, language)
    words = {lang: _words(spec) for lang, spec in read_yaml(DATA / "markers.yml").items()}
    return builder.build({lang: spec for lang, spec in words.items() if lang in languages})


def _city(entry: dict[str, Any]) -> str:
    """The English name a directory's place carries."""
    english = entry.get("en") or (entry.get(AFTER_MARKER) or {}).get("en") or []
    return str(english[0]) if english else ""
