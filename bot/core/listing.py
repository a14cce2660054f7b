"""One directory result as a short text: phone, name, then police, hours, languages.

A result opens with its number, never with the line's name: a message may start
with any result, and a phone's lock screen shows a message's first words, so
"National Domestic Violence Hotline…" or "Policía Nacional…" must not come first.
A line run by the police says so after its name, in the person's language. A line
texted with a keyword says the keyword ("text START to 88788").

Each result fits in at most two SMS segments: what does not fit is left out,
languages first, then the weekly hours; a name too long is cut. Numbers are
written the way people dial them inside the country.
"""

from __future__ import annotations

from collections.abc import Mapping

import phonenumbers
from babel import Locale
from babel.dates import get_day_names

from bot.core.catalog import Catalogs
from bot.core.segments import segments
from common.hours import clock
from resources_db.lookup import Resource
from resources_db.schedules import Hours

MAX_SEGMENTS = 2
ELLIPSIS = "…"


def render(resource: Resource, language: str, catalogs: Catalogs) -> str:
    phone = dial(resource.voice or resource.sms or "", resource.country)
    hours = _hours(resource, language, catalogs)
    languages = _languages(resource, language, catalogs)
    name = resource.name
    for extras in ((hours, languages), (hours,), ()):
        text = _line(catalogs, language, resource, name, phone, extras)
        if segments(text) <= MAX_SEGMENTS:
            return text
    while len(name) > 1:
        name = name[: max(1, len(name) - 8)].rstrip() + ELLIPSIS
        text = _line(catalogs, language, resource, name, phone, ())
        if segments(text) <= MAX_SEGMENTS:
            return text
    return text


def _line(
    catalogs: Catalogs,
    language: str,
    resource: Resource,
    name: str,
    phone: str,
    extras: tuple[str, ...],
) -> str:
    text = _numbers(catalogs, language, resource, name, phone)
    details = [extra for extra in extras if extra]
    if resource.always_open:
        details.insert(0, catalogs.text(language, "resource.open_always"))
    if resource.police:
        details.insert(0, catalogs.text(language, "directory.police"))
    return f"{text} ({'; '.join(details)})" if details else text


def _numbers(catalogs: Catalogs, language: str, resource: Resource, name: str, phone: str) -> str:
    """The number(s), then the name: call, call or text, or text only, with any keyword."""
    keyword = resource.text_keyword
    if not resource.sms:
        return catalogs.text(language, "directory.call", phone=phone, name=name)
    sms = dial(resource.sms, resource.country)
    if not resource.voice:
        key = "directory.text_keyword" if keyword else "directory.text"
        return catalogs.text(language, key, sms=sms, keyword=keyword, name=name)
    if keyword:
        key = "directory.call_or_text_keyword"
    elif resource.sms == resource.voice:
        key = "directory.call_or_text_same"
    else:
        key = "directory.call_or_text"
    return catalogs.text(language, key, phone=phone, sms=sms, keyword=keyword, name=name)


def dial(number: str, country: str) -> str:
    """E.164 in the national format of ``country``; short codes as they are."""
    if not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code == phonenumbers.country_code_for_region(country):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _hours(resource: Resource, language: str, catalogs: Catalogs) -> str:
    if resource.always_open or not resource.hours:
        return ""
    names = get_day_names("abbreviated", locale=Locale.parse(language))
    spans = [
        f"{_days(item, names)} {clock(item.opens)}–{clock(item.closes)}"
        for item in resource.hours
        if item.days
    ]
    return catalogs.text(language, "resource.hours", hours=", ".join(spans)) if spans else ""


def _days(hours: Hours, names: Mapping[int, str]) -> str:
    days = sorted(hours.days)
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}" for run in runs
    )


def _languages(resource: Resource, language: str, catalogs: Catalogs) -> str:
    if not resource.languages:
        return ""
    locale = Locale.parse(language)
    names = [locale.languages.get(code, code) for code in resource.languages]
    return catalogs.text(language, "resource.languages", languages=", ".join(names))
