"""Support requests to resolution: each support request of a submitted check-in becomes a
tracked request; the GM and the department's owners are told; `/support` lists, shows,
acknowledges, comments on, resolves and assigns them; the requester hears each step in
their own language.

Who may do what:
- `/support` lists unclosed requests, oldest first: the GM sees all, a department's owner
  those of their departments, everyone their own; PAGE_SIZE a message, `/support page N`
  for the next.
- `/support N` shows one request with its comments, to the same people.
- `/support ack N`, `/support comment N <text>`, `/support resolve N <note>`: the GM or an
  owner of the request's department; the requester may comment on their own (to answer a
  handler's question), and the handlers hear it. `/support assign N <department>`: the GM.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import as_utc
from bot.readers import GM, department_readers, marked_departments
from bot.support_config import department_name
from bot.text import clean_text
from handlers.context import Context
from storage.models import CheckinRound, Person
from storage.support import (
    OPEN_STATES,
    SupportRepo,
    SupportRequest,
    age_days,
    left_on_day,
)

MAX_TEXT = 2000
ACTIONS = ("ack", "comment", "resolve", "assign")
#: The actions as a Chinese-speaking handler (or requester) types them, and their long forms.
ACTION_WORDS = {"acknowledge": "ack", "确认": "ack", "评论": "comment", "解决": "resolve",
                "close": "resolve", "done": "resolve", "关闭": "resolve", "完成": "resolve",
                "分配": "assign", "指派": "assign"}
# No request number is larger; a longer one would overflow the database's integer.
MAX_ID = 2**31 - 1
#: `/support` lists this many requests a message, then says how many there are and where
#: the next page is: a large org's GM could have thousands open (2,000 characters of
#: detail each).
PAGE_SIZE = 20


def _number(typed: str) -> int | None:
    """A typed request number ("3", "#3", full-width "３"), or None if it is not one.

    `isdecimal`, not `isdigit`: "²" is a digit that int() refuses.
    """
    typed = typed.lstrip("#")
    return int(typed) if typed.isdecimal() else None


# --- from the check-in ------------------------------------------------------------------

def _asked(rnd: CheckinRound) -> tuple[str | None, str]:
    """The support type a round asks for (None: none) and its detail."""
    answers = {a.question_key: a for a in rnd.answers}
    kind = answers.get("support_type")
    if kind is None or kind.skipped or not kind.text_value or kind.text_value == "none":
        return None, ""
    detail = answers.get("support_detail")
    return kind.text_value, (detail.text_value or "") if detail and not detail.skipped else ""


def on_round_saved(ctx: Context, person: Person, rnd: CheckinRound) -> None:
    """Bring the tracked request in line with a submitted (or edited) check-in.

    One round feeds at most one request: an edit changes its detail, a changed type moves
    the round to another request, "no support needed" withdraws a request only that round
    asked for. A type still unclosed from an earlier week is linked (asked again), not
    opened twice.
    """
    if rnd.status != "submitted":
        return
    kind, detail = _asked(rnd)
    repo = SupportRepo(ctx.session)
    now = ctx.clock.now()
    # Help from another department goes to the department its detail names (if any).
    named = ctx.org.support.department_for(kind, detail) if kind == "department" else None
    found = repo.for_round(rnd.id)
    if found is not None:
        request, link = found
        if kind == request.kind and link.detail == detail:
            return
        # An edit naming another department is a need of that department's, as a changed
        # type is: kept in place it stayed Marketing's, its owners told, Finance's never.
        # One the GM passed elsewhere stays where the GM sent it while the edit names the
        # department its detail named before: only a newly named department moves it.
        moved = named is not None and named != request.department and \
            named != ctx.org.support.department_for(kind, link.detail)
        if kind == request.kind and moved and not link.detail and request.status == "open" \
                and request.department is None and list(request.weeks) == [link]:
            # Opened by an edit before its detail came (support needed after all, the GM's
            # until a department is named): the detail names the department, which takes
            # it as if it had come with it, not withdrawn and opened anew (three messages
            # for one need). Those told of it hear the detail; the department, of it.
            told = handlers_of(ctx, request)
            link.detail = request.detail = detail
            request.department = named
            _tell_handlers(ctx, request, "support_updated", to=told, exclude=person,
                           week=rnd.week, detail=detail)
            _tell_handlers(ctx, request, "support_opened", exclude=person, once="opened")
            return
        if kind == request.kind and not request.closed and not moved:
            link.detail = detail
            if request.weeks and link is request.weeks[0]:
                request.detail = detail
            _tell_handlers(ctx, request, "support_updated", exclude=person,
                           week=rnd.week, detail=detail)
            return
        # A changed type or department, or a changed detail after the request was
        # resolved: what was resolved stays as it was, and the new need is asked for anew
        # below (as asking again after a resolution opens a new request), not changed in
        # silence.
        repo.unlink(request, link)
        if not request.weeks and not request.closed:
            request.status = "withdrawn"
            request.resolved_at = now
            _tell_handlers(ctx, request, "support_withdrawn", exclude=person)
    if kind is None:
        return
    # Help from another department is a repeat only of a request to the department this
    # detail names (if it names one): "需要财务部…" the week after "需要市场部…" is a new
    # need for Finance, which was linked to Marketing's request, Finance never told.
    # (Other types go where the org file sends them, or where the GM assigned them.)
    existing = repo.still_open(person, kind, named,
                               lambda said: ctx.org.support.department_for(kind, said))
    if existing is not None:
        repo.link(existing, round_id=rnd.id, week=rnd.week, detail=detail, now=now)
        _tell_handlers(ctx, existing, "support_repeated", exclude=person, week=rnd.week,
                       detail=detail)
        ctx.tell(person, "support_tracked", n=existing.id, kind=_kind(ctx, person, existing),
                 department=_dept(ctx, existing, person.locale), again=True,
                 dedupe_key=f"support:{existing.id}:tracked:{rnd.id}")
        return
    request = repo.open(requester=person, kind=kind, detail=detail,
                        department=ctx.org.support.department_for(kind, detail),
                        round_id=rnd.id, week=rnd.week, now=now)
    _tell_handlers(ctx, request, "support_opened", exclude=person, once="opened")
    ctx.tell(person, "support_tracked", n=request.id, kind=_kind(ctx, person, request),
             department=_dept(ctx, request, person.locale), again=False,
             dedupe_key=f"support:{request.id}:tracked:{rnd.id}")


# --- who is told, who may act ---------------------------------------------------------

def handlers_of(ctx: Context, request: SupportRequest) -> list[Person]:
    """Who handles a request: the GM, then the owners of its department (active, once)."""
    # The GM by role, not by scanning everyone: this runs for each submitted request.
    people = list(ctx.session.scalars(select(Person).where(Person.role == "gm",
                                                           Person.active).order_by(Person.id)))
    department = ctx.org.support.department(request.department)
    for key in department.owners if department else ():
        owner = ctx.people.by_key(key)
        if owner is not None and owner.active and owner not in people:
            people.append(owner)
    return people


def may_handle(ctx: Context, person: Person, request: SupportRequest) -> bool:
    """The GM, or an owner of the request's department."""
    department = ctx.org.support.department(request.department)
    return person.role == "gm" or (department is not None and person.key in department.owners)


def _may_see(ctx: Context, person: Person, request: SupportRequest) -> bool:
    return request.requester_id == person.id or may_handle(ctx, person, request)


def _readers(ctx: Context, person: Person, request: SupportRequest) -> str | None:
    """The mark (bot.readers) on what `person` is sent about a request only because of
    a right the org file gives: an owner of its department the department's (the GM may
    read that too), the GM the GM's. Either is withdrawn unsent should an edit of the
    org file take that right away while it waits (the platform down). None on what they
    would read anyway, as its requester."""
    if request.requester_id == person.id:
        return None
    department = ctx.org.support.department(request.department)
    if department is not None and person.key in department.owners:
        return department_readers(department.key)
    return GM if person.role == "gm" else None


def _list_readers(ctx: Context, person: Person, rows: Iterable[SupportRequest]
                  ) -> str | None:
    """The mark on a page of `/support`: the GM's list is the whole org's (theirs only
    while they are the GM); an owner's shows their departments' requests (theirs only
    while they own every one of those departments); a list of one's own is one's own."""
    if person.role == "gm":
        return GM
    owned = {r.department for r in rows
             if r.requester_id != person.id and r.department is not None}
    return department_readers(*owned) if owned else None


def _tell_handlers(ctx: Context, request: SupportRequest, name: str, *,
                   exclude: Person | None = None, once: str | None = None,
                   to: Iterable[Person] | None = None, **params: Any) -> None:
    """DM each handler but `exclude`; with `once`, a step sent at most once per handler.
    `to`: these people rather than the request's handlers now (those who handled it
    before a change of department)."""
    for person in handlers_of(ctx, request) if to is None else to:
        if exclude is not None and person.id == exclude.id:
            continue
        ctx.tell(person, name, item=_view(ctx, request, person),
                 dedupe_key=f"support:{request.id}:{once}:{person.key}" if once else None,
                 readers=_readers(ctx, person, request), **params)


def _kind(ctx: Context, viewer: Person | None, request: SupportRequest) -> str:
    locale = viewer.locale if viewer else ctx.locale
    return ctx.renderer.choice_label(locale, "support_type", request.kind)


def _dept(ctx: Context, request: SupportRequest, locale: str) -> str:
    # A department since taken out of the org file reads as its key marked so (the
    # decision: bot/support_config.py), not as a bare key that looks like a name.
    return department_name(ctx.org.support, ctx.renderer, locale, request.department)


def _view(ctx: Context, request: SupportRequest, reader: Person) -> dict[str, Any]:
    """What templates show `reader` of a request: in their language, its age in days of
    their calendar (as /support, the summaries and the flag count it)."""
    locale = reader.locale
    age = age_days(request.opened_at, ctx.clock.now(), reader.timezone)
    return {"n": request.id, "requester": request.requester.display_name,
            # Taken out of the org file: still owed an answer, and the GM should know
            # whom they cannot ask (the summary marks their block so too).
            "requester_left": not request.requester.active,
            "requester_left_on": left_on_day(request.requester, reader.timezone),
            "kind": ctx.renderer.choice_label(locale, "support_type", request.kind),
            "detail": request.latest_detail, "department": _dept(ctx, request, locale),
            "week": request.week, "last_week": request.last_week, "repeats": request.repeats,
            "status": request.status, "age": age,
            "ageing": request.status in OPEN_STATES and age >= ctx.org.support.ageing_days,
            "resolution": request.resolution or ""}


# --- /support -------------------------------------------------------------------------

def cmd_support(ctx: Context, args: str) -> None:
    """/support [N | ack N | comment N <text> | resolve N <note> | assign N <department>]."""
    person = ctx.person
    if person is None:
        raise RuntimeError("handler needs a known sender")
    # Control characters go before anything is read or stored (PostgreSQL refuses a NUL;
    # a terminal escape would reach every handler's DM), as in check-in answers.
    words = clean_text(args).strip().split(maxsplit=2)
    listing = words[1:] if words and words[0].lower() in {"list", "open", "列表"} else words
    if not listing or listing[0].lower() in {"page", "页"}:
        page = _number(listing[1]) if len(listing) == 2 else None if listing else 1
        if not page:
            ctx.reply("support_usage")
            return
        _list(ctx, person, page)
        return
    action = words[0].lower()
    action = ACTION_WORDS.get(action, action)
    if _number(action) is not None and len(words) == 1:
        _show(ctx, person, _number(action) or 0)
        return
    if action not in ACTIONS:
        ctx.reply("support_usage")
        return
    if len(words) < 2:
        ctx.reply("support_bad_id", action=action, typed="")
        return
    n = _number(words[1])
    if n is None:
        ctx.reply("support_bad_id", action=action, typed=words[1])
        return
    request = SupportRepo(ctx.session).get(n) if n <= MAX_ID else None
    if request is None or not _may_see(ctx, person, request):
        # As with `/support N`: someone else's request reads as unknown, so trying an
        # action cannot tell a stranger it exists or which department it went to.
        ctx.reply("support_not_found", n=n)
        return
    text = words[2].strip() if len(words) > 2 else ""
    if action == "assign":
        _assign(ctx, person, request, text)
        return
    own = request.requester_id == person.id
    # The requester may answer a handler's question on their own request (a comment),
    # but acknowledging or resolving it is for those who handle it.
    if not may_handle(ctx, person, request) and not (own and action == "comment"):
        department = ctx.org.support.department(request.department)
        ctx.reply("support_not_allowed", n=request.id, action=action,
                  department=department.name_for(person.locale) if department else "",
                  own=own)
        return
    if _refused_closed(ctx, request):
        return
    if action in {"comment", "resolve"} and not text:
        ctx.reply("support_need_text", n=request.id, action=action)
        return
    if len(text) > MAX_TEXT:
        ctx.reply("support_too_long", limit=MAX_TEXT)
        return
    if action == "ack":
        if request.status == "acknowledged":
            by = ctx.session.get(Person, request.acknowledged_by_id) \
                if request.acknowledged_by_id else None
            ctx.reply("support_already_acked", n=request.id,
                      by=by.display_name if by else "")
            return
        request.status = "acknowledged"
        request.acknowledged_at = ctx.clock.now()
        request.acknowledged_by_id = person.id
        step = "ack"
    elif action == "comment":
        comment = SupportRepo(ctx.session).comment(request, person, text, ctx.clock.now())
        step = f"comment{comment.id}"
    else:
        request.status = "resolved"
        request.resolved_at = ctx.clock.now()
        request.resolved_by_id = person.id
        request.resolution = text
        step = "resolve"
    requester = request.requester
    # Said as it is: a department whose owner left the org file has nobody but the GM to
    # hear a comment, and a requester who left hears of no step.
    told = any(p.role != "gm" and p.id != person.id for p in handlers_of(ctx, request)) \
        if own else requester.active
    ctx.reply("support_step_done", action=action, item=_view(ctx, request, person),
              own=own, told=told)
    if requester.active and requester.id != person.id:
        ctx.tell(requester, "support_step_you", action=action, by=person.display_name,
                 text=text, item=_view(ctx, request, requester),
                 dedupe_key=f"support:{request.id}:{step}:you")
    _tell_handlers(ctx, request, "support_step_others", exclude=person, once=step,
                   action=action, by=person.display_name, text=text)


def _refused_closed(ctx: Context, request: SupportRequest) -> bool:
    """Tell the sender a closed request takes no more steps; True when it is closed."""
    if request.closed:
        reader = ctx.person
        when = request.resolved_at
        ctx.reply("support_closed", n=request.id, status=request.status,
                  when=_local(when, reader.timezone) if when and reader else when)
    return request.closed


def _visible(ctx: Context, person: Person, rows: Iterable[SupportRequest]
             ) -> list[SupportRequest]:
    return [r for r in rows if _may_see(ctx, person, r)]


def _list(ctx: Context, person: Person, page: int = 1, *, renewed: bool = False) -> None:
    """One page of the requests `person` may see, oldest first (so the ageing lead);
    `renewed`: sent in place of one withdrawn by an edit of the org file (list_again)."""
    rows = _visible(ctx, person, SupportRepo(ctx.session).unclosed())
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    if renewed:
        page = min(page, pages)
    if page > pages:
        ctx.reply("support_no_such_page", page=page, pages=pages,
                  last="/support" if pages == 1 else f"/support page {pages}")
        return
    items = [_view(ctx, r, person) for r in rows]
    start = (page - 1) * PAGE_SIZE
    shown = items[start:start + PAGE_SIZE]
    paging = None if pages == 1 else {
        "first": start + 1, "last": start + len(shown), "total": len(items),
        "ageing": sum(1 for i in items if i["ageing"]), "number": page, "pages": pages}
    readers = _list_readers(ctx, person, rows[start:start + PAGE_SIZE])
    params: dict[str, Any] = {
        "items": shown, "ageing_days": ctx.org.support.ageing_days, "paging": paging,
        "handler": person.role == "gm" or bool(ctx.org.support.owned_by(person.key)),
        "readers": readers,
        # An owner's page is withdrawn whole should one of its departments be taken
        # from them while it waits: the rest is theirs still, sent again (list_again).
        "resend": f"{AGAIN_LIST}{page}" if readers and readers != GM else None}
    if renewed:
        ctx.tell(person, "support_list", renewed=True, **params)
    else:
        ctx.reply("support_list", **params)


def list_again(ctx: Context, key: str, again: str, mark: str) -> bool:
    """Send `key` their /support page again (`again`: "support_list:<page>"), as they may
    read it now, in place of one withdrawn unsent (`mark`: its readers) because an edit
    of the org file took one of its departments from them: only if they still own one
    of the others (with none, nothing of it was theirs to be sent). Whether it was."""
    person = ctx.people.by_key(key)
    page = again.removeprefix(AGAIN_LIST)
    if person is None or not person.active or not again.startswith(AGAIN_LIST) or \
            not page.isdigit():
        return False
    if person.role != "gm" and not marked_departments(mark) & ctx.org.support.owned_by(
            person.key):
        return False
    _list(ctx, person, int(page), renewed=True)
    return True


#: bot.readers.AGAIN_KEY's value for a /support page (the page number follows).
AGAIN_LIST = "support_list:"


def _show(ctx: Context, person: Person, n: int) -> None:
    request = SupportRepo(ctx.session).get(n) if n <= MAX_ID else None
    if request is None or not _may_see(ctx, person, request):
        # Someone else's request reads as unknown: its existence is not theirs to learn.
        ctx.reply("support_not_found", n=n)
        return
    # Dates in the reader's calendar, as the age beside them is counted (a comment made on
    # a Sunday evening in New York is Monday's in Shanghai).
    comments = [{"by": c.author.display_name if c.author else "", "text": c.text,
                 "at": _local(c.created_at, person.timezone)} for c in request.comments]
    # Who acknowledged it and who closed it when: "resolved" and its note alone left the
    # reader to guess whether it took a day or a month, and who to ask about it.
    acked = ctx.session.get(Person, request.acknowledged_by_id) \
        if request.acknowledged_by_id else None
    closed = None
    if request.closed and request.resolved_at is not None:
        closer = ctx.session.get(Person, request.resolved_by_id) \
            if request.resolved_by_id else None
        closed = {"by": closer.display_name if closer else "",
                  "at": _local(request.resolved_at, person.timezone),
                  "days": age_days(request.opened_at, request.resolved_at, person.timezone)}
    ctx.reply("support_show", item=_view(ctx, request, person), comments=comments,
              handler=may_handle(ctx, person, request),
              acked_by=acked.display_name if acked else "", closed=closed,
              readers=_readers(ctx, person, request))


def _local(moment: datetime, timezone: str) -> datetime:
    """A stored moment in `timezone` (SQLite gives it back without its UTC zone)."""
    return as_utc(moment).astimezone(ZoneInfo(timezone))


def _assign(ctx: Context, person: Person, request: SupportRequest, typed: str) -> None:
    if person.role != "gm":
        ctx.reply("support_not_allowed", n=request.id, action="assign", department="",
                  own=request.requester_id == person.id)
        return
    if _refused_closed(ctx, request):
        return
    departments = ctx.org.support.departments
    department = ctx.org.support.find(typed) if typed else None
    if department is None:
        ctx.reply("support_unknown_department", typed=typed,
                  departments=[(d.key, d.name_for(person.locale)) for d in departments])
        return
    if department.key == request.department:
        ctx.reply("support_step_done", action="assign", item=_view(ctx, request, person),
                  told="same")
        return  # (nobody to tell: nothing moved)
    # Who handled it before (the old department's owners), told it has left them.
    before = [p for p in handlers_of(ctx, request) if p.id != person.id]
    # Their marks as of the department it leaves: an old owner's note is withdrawn should
    # the org file take that department from them before it is sent.
    before_marks = {p.id: _readers(ctx, p, request) for p in before}
    request.department = department.key
    # The new department's owners hear about it as a new request for them (its owner may
    # have left the org file: then it is still the GM's alone, and the reply says so).
    new = set()
    for key in department.owners:
        owner = ctx.people.by_key(key)
        if owner is not None and owner.active and owner.id != person.id:
            new.add(owner.id)
            ctx.tell(owner, "support_opened", item=_view(ctx, request, owner),
                     dedupe_key=f"support:{request.id}:assigned:{department.key}:{key}",
                     readers=_readers(ctx, owner, request))
    ctx.reply("support_step_done", action="assign", item=_view(ctx, request, person),
              told=bool(new) or person.key in department.owners)
    step = f"assigned:{department.key}"
    for owner in before:
        if owner.id not in new and owner.id != request.requester_id:
            ctx.tell(owner, "support_step_others", action="assign", by=person.display_name,
                     text="", item=_view(ctx, request, owner),
                     dedupe_key=f"support:{request.id}:{step}:was:{owner.key}",
                     readers=before_marks[owner.id])
    # The requester knows where their request now is.
    requester = request.requester
    if requester.active and requester.id != person.id:
        ctx.tell(requester, "support_step_you", action="assign", by=person.display_name,
                 text="", item=_view(ctx, request, requester),
                 dedupe_key=f"support:{request.id}:{step}:you")
