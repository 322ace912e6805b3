"""/language: the language the bot writes to a person in, chosen by them.

The org file gives everyone a `locale`; someone it gives the wrong one (or none, so
English) had to ask whoever runs the bot to change the file. `/language 中文` or
`/language en` now chooses for oneself: every message from then on, scheduled ones
included, comes in that language, and an edit of the org file does not undo it
(storage.models.Person.chosen_locale). `/language default` goes back to the file's.
"""

from __future__ import annotations

from handlers.answers import normalise
from handlers.away import SENTENCE_END
from handlers.context import Context

#: What people type for each language (lowercased), as names of it in either language.
_SAID = {"en": "en", "english": "en", "英文": "en", "英语": "en", "eng": "en",
         "zh": "zh-CN", "zh-cn": "zh-CN", "chinese": "zh-CN", "中文": "zh-CN",
         "简体中文": "zh-CN", "汉语": "zh-CN", "普通话": "zh-CN", "cn": "zh-CN"}
_DEFAULT = {"default", "reset", "org", "默认", "恢复默认"}


def cmd_language(ctx: Context, args: str) -> None:
    """/language [en | 中文 | default]: show or choose the language of one's messages."""
    person = ctx.person
    if person is None:
        raise RuntimeError("handler needs a known sender")
    # ('/language 中文。': a sentence's end is no part of the language's name.)
    said = normalise(args).rstrip(SENTENCE_END).lower()
    in_file = ctx.org.person(person.key)
    file_locale = in_file.locale if in_file is not None else person.locale
    if not said:
        ctx.reply("language_now", chosen=person.chosen_locale is not None,
                  file_locale=file_locale)
        return
    if said in _DEFAULT:
        person.chosen_locale = None
        person.locale = file_locale
        ctx.reply("language_set", chosen=False)
        return
    locale = _SAID.get(said)
    if locale is None:
        ctx.reply("language_unknown", typed=args.strip())
        return
    person.chosen_locale = locale
    person.locale = locale
    ctx.reply("language_set", chosen=True)  # (in the new language: ctx.locale reads it)
