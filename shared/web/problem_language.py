"""problem+json in the client's language. The words of a problem (`title`, `detail`, each `invalid_params`
reason) are written in English where they are raised, marshmallow's own messages included, and translated
here, once, as the answer is built: looked up by their English in the `problems.po` catalogs (the shared
one, with the service's merged over it). The rest of a problem is for programs and never changes.

A catalog entry with `{name}` placeholders is a template: it matches any English text formatted from it,
and the values are kept as they were sent (numbers, days, codes), except a `{reason}`, which is itself a
message and is translated in turn. Text made of several messages is translated sentence by sentence.
Anything a catalog lacks stays English."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request

from shared import languages, translations

DOMAIN = "problems"
CATALOGS = "problem_catalogs"
SHARED_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")
NESTED = "reason"  # the placeholder that holds another message
SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True)
class ProblemCatalog:
    """One language's words: English -> translation, and the templates among them as patterns."""

    exact: dict[str, str]
    templates: list[tuple[re.Pattern[str], str]]

    @classmethod
    def of(cls, entries: dict[str, str]) -> ProblemCatalog:
        # The template with the most fixed text is tried first: the most specific one wins.
        templates = [english for english in entries if PLACEHOLDER.search(english)]
        templates.sort(key=lambda english: -len(PLACEHOLDER.sub("", english)))
        return cls(entries, [(_pattern(english), entries[english]) for english in templates])

    def translate(self, text: str) -> str:
        if (known := self.exact.get(text)) is not None:
            return known
        for pattern, translated in self.templates:
            if match := pattern.fullmatch(text):
                return _filled(translated, match.groupdict(), self.translate)
        sentences = SENTENCE_BREAK.split(text)
        if len(sentences) > 1:
            return " ".join(self.translate(sentence) for sentence in sentences)
        return text


def _filled(template: str, values: dict[str, str], translate: Callable[[str], str]) -> str:
    if NESTED in values:
        values[NESTED] = translate(values[NESTED])
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching the texts `template.format(...)` gives."""
    parts, seen, end = [], set(), 0
    for placeholder in PLACEHOLDER.finditer(template):
        name = placeholder.group(1)
        parts.append(re.escape(template[end : placeholder.start()]))
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        end = placeholder.end()
    parts.append(re.escape(template[end:]))
    return re.compile("".join(parts), re.DOTALL)


def init_problem_languages(app: Flask, directory: Path | None = None) -> None:
    """Load each language's problem catalog: the shared one, the service's `directory` merged over it.
    Answers whose words were chosen by the client's language say so (Vary, Content-Language)."""
    directories = [SHARED_TRANSLATIONS, *([directory] if directory else [])]
    app.extensions[CATALOGS] = {
        language: ProblemCatalog.of(
            {k: v for d in directories for k, v in translations.entries(d, language, DOMAIN).items()}
        )
        for language in languages.LANGUAGES
        if language != languages.DEFAULT
    }
    app.after_request(_say_language)


def client_language() -> str:
    """The language this request's Accept-Language asks for first among ours, else English; the answer
    then varies by that header."""
    if "problem_language" not in g:
        g.problem_language = languages.from_accept(request.accept_languages) or languages.DEFAULT
    return g.problem_language


def in_english() -> None:
    """For endpoints used by staff only (a `before_request`): their problems stay English whatever the
    client asks, as their own words have no translation, and a title in one language over a detail in
    another would be worse than either."""
    g.problem_language = languages.DEFAULT


def speak(text: str) -> str:
    """English text of a problem, or of a success answer's words for a person (the waitlist's), in the
    client's language where a catalog has it."""
    if not has_request_context() or CATALOGS not in current_app.extensions:
        return text
    catalog = current_app.extensions[CATALOGS].get(client_language())
    return catalog.translate(text) if catalog else text


def localized(body: dict[str, Any]) -> dict[str, Any]:
    """A problem's title, detail and invalid_params reasons in the client's language; all else as it is."""
    out = dict(body)
    for key in ("title", "detail"):
        if isinstance(out.get(key), str):
            out[key] = speak(out[key])
    if isinstance(out.get("invalid_params"), list):
        out["invalid_params"] = [
            {**param, "reason": speak(param["reason"])}
            if isinstance(param, dict) and isinstance(param.get("reason"), str)
            else param
            for param in out["invalid_params"]
        ]
    return out


def _say_language(response):
    if "problem_language" in g:
        response.vary.add("Accept-Language")
        response.headers["Content-Language"] = g.problem_language
    return response
