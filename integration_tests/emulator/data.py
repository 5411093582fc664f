"""The emulated Freshdesk account: a deterministic data set, its virtual clock and its mutations.

Everything is a pure function of ``(seed, sizes, now)``: two data sets built with the same arguments
serialize to the same bytes. Timestamps are relative to a virtual clock (``Dataset.now``, by default
2025-07-01T00:00:00Z) and span the two years before it, so they are always in the past.

Tickets are the one resource that must scale (100k and more), so they are kept as small slotted
state objects (ids, timestamps, status, flags) and their full records - subject, description, custom
fields, requester, stats - are built on demand from a per-ticket seed. Conversations are never stored
either: a ticket's generated conversations are rebuilt from its seed when asked for, and only the
ones added later through ``add_conversation`` are kept. Every other resource is a plain list of dicts.

All mutations take the data set's lock and bump ``version``, which the server uses to know when a
cached response page is stale.
"""

from __future__ import annotations

import bisect
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from . import activities, records
from .codec import dumps, loads
from .records import CONVERSATION_SLOTS, DAY, ID_BASE
from .timeutil import fmt, fmt_date, to_datetime, to_epoch

DEFAULT_NOW = "2025-07-01T00:00:00Z"
HISTORY_DAYS = 730
TICKET_INCLUDES = ("requester", "stats", "description")

# Weighted lookup tables: indexing with randrange is much faster than random.choices per ticket.
_STATUS_TABLE = (2,) * 20 + (3,) * 10 + (4,) * 20 + (5,) * 50
_PRIORITY_TABLE = (1,) * 40 + (2,) * 35 + (3,) * 17 + (4,) * 8
_SOURCE_TABLE = (1,) * 45 + (2,) * 25 + (3,) * 15 + (7,) * 10 + (9,) * 3 + (10,) * 2
_RESOLVE_SECONDS = {1: 3 * DAY, 2: DAY, 3: 12 * 3600, 4: 4 * 3600}
_RESPOND_SECONDS = {1: DAY, 2: 8 * 3600, 3: 4 * 3600, 4: 3600}


@dataclass(frozen=True)
class Sizes:
    """How much of each resource the emulated account holds.

    Child counts (``*_per_*``) are exact per parent, except conversations: each ticket gets between
    0 and ``conversations_per_ticket_max`` (about one ticket in five has none). ``deleted_*``,
    ``spam_tickets`` and ``blocked_contacts`` are taken out of the totals, not added to them.
    ``same_second_cluster`` tickets share one ``updated_at`` second, for pagination edge cases.
    ``history_days``: how far back the account's records go from the emulator's clock.
    """

    tickets: int = 250
    conversations_per_ticket_max: int = 5
    deleted_tickets: int = 3
    spam_tickets: int = 2
    same_second_cluster: int = 5
    contacts: int = 120
    deleted_contacts: int = 2
    blocked_contacts: int = 1
    companies: int = 30
    agents: int = 8
    groups: int = 5
    roles: int = 6
    skills: int = 3
    products: int = 2
    business_hours: int = 2
    sla_policies: int = 2
    scenario_automations: int = 3
    surveys: int = 2
    satisfaction_ratings: int = 40
    time_entries: int = 60
    canned_response_folders: int = 3
    canned_responses_per_folder: int = 3
    discussion_categories: int = 2
    discussion_forums_per_category: int = 2
    discussion_topics_per_forum: int = 2
    discussion_comments_per_topic: int = 3
    solution_categories: int = 2
    solution_folders_per_category: int = 2
    solution_articles_per_folder: int = 3
    history_days: int = HISTORY_DAYS

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"Sizes.{name} must not be negative")
        if self.conversations_per_ticket_max >= CONVERSATION_SLOTS:
            raise ValueError(f"conversations_per_ticket_max must be below {CONVERSATION_SLOTS}")
        if min(self.tickets, self.agents, self.contacts, self.surveys, self.groups) < 1:
            raise ValueError("an account needs at least one ticket, agent, contact, group and survey")
        if self.deleted_tickets + self.spam_tickets + self.same_second_cluster > self.tickets:
            raise ValueError("deleted_tickets + spam_tickets + same_second_cluster exceed tickets")
        if self.deleted_contacts + self.blocked_contacts >= self.contacts:
            raise ValueError("deleted_contacts + blocked_contacts must leave at least one contact")


class TicketState:
    """What the server needs to filter and sort a ticket; the rest of its record is derived."""

    __slots__ = (
        "id", "created_at", "updated_at", "conv_end", "status_at", "status", "priority", "source",
        "requester_id", "responder_id", "group_id", "company_id", "product_id", "n_conv", "deleted",
        "spam", "added",
    )

    def __init__(self, **values: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, values.get(name))


class TicketsView(Sequence):
    """Read-only sequence of full ticket records (with requester, stats and description), by id.

    Records are built on access; iterate once rather than indexing in a loop over 100k tickets.
    """

    def __init__(self, dataset: "Dataset") -> None:
        self._dataset = dataset

    def __len__(self) -> int:
        return len(self._dataset._tickets)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._dataset.ticket(state.id) for state in self._dataset._tickets[index]]
        return self._dataset.ticket(self._dataset._tickets[index].id)


class Dataset:
    """The records of one emulated Freshdesk account, queries over them, and mutations.

    Lists of dicts (in id order): ``agents``, ``groups``, ``roles``, ``skills``, ``products``,
    ``business_hours``, ``email_configs``, ``email_mailboxes``, ``sla_policies``,
    ``scenario_automations``, ``ticket_fields``, ``contact_fields``, ``company_fields``, ``surveys``,
    ``satisfaction_ratings``, ``time_entries``, ``contacts`` (including deleted and blocked ones),
    ``companies``, ``canned_response_folders``, ``canned_responses``, ``discussion_categories``,
    ``discussion_forums``, ``discussion_topics``, ``discussion_comments``, ``solution_categories``,
    ``solution_folders``, ``solution_articles``; ``settings`` is one dict. ``tickets`` is a
    read-only sequence of full ticket records and ``conversations(ticket_id)`` builds a ticket's
    conversations. Treat returned records as read-only; ``expected()`` returns copies.
    """

    def __init__(self, seed: int = 7, sizes: Sizes | None = None, now: str | int | datetime = DEFAULT_NOW) -> None:
        self.seed = seed
        self.sizes = sizes or Sizes()
        self.lock = threading.RLock()
        self.version = 0
        self._now = to_epoch(now)
        self._query_cache: OrderedDict[tuple, Any] = OrderedDict()
        self._added_conversations = 0
        self.tickets = TicketsView(self)
        self._generate(random.Random(seed))

    # --- clock ---------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The virtual clock, an aware UTC datetime."""
        return to_datetime(self._now)

    @property
    def now_ts(self) -> int:
        """The virtual clock in epoch seconds."""
        return self._now

    def advance(self, seconds: int) -> datetime:
        """Move the virtual clock forward; returns the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.lock:
            self._now += int(seconds)
            self._changed()
            return self.now

    # --- generation ----------------------------------------------------------------------------------

    def _mix(self, salt: int, key: int) -> int:
        """Seed of an independent random stream for one record (``salt`` names the purpose)."""
        return ((self.seed & 0xFFFFFFFF) << 64) | (salt << 56) | key

    def _custom_rng(self, record_id: int) -> random.Random:
        """The random stream of the custom fields a record gained after the data set's first version: drawn
        apart, so that every other value of the data set is what it was."""
        return random.Random(self._mix(9, record_id))

    def _touched(self, rng: random.Random, created: int, untouched_share: float, max_days: int) -> int:
        """An ``updated_at`` for a record created at ``created``: the same with the given probability,
        else up to ``max_days`` later, and always before now."""
        if rng.random() < untouched_share:
            return created
        return created + rng.randint(1, max(1, min(max_days * DAY, self._now - created - 1)))

    def _before_now(self, rng: random.Random, earliest: int, candidate: int) -> int:
        """``candidate`` if it is in the past, else a random moment between ``earliest`` and now."""
        return candidate if candidate < self._now else rng.randint(min(earliest, self._now - 1), self._now - 1)

    def _generate(self, rng: random.Random) -> None:
        sizes, now = self.sizes, self._now
        self.account_created = start = now - sizes.history_days * DAY
        early = start + DAY

        self.products = [records.product(rng, i, early + i * 3600) for i in range(sizes.products)]
        self.business_hours = [records.business_hour(rng, i, start + i * 3600) for i in range(sizes.business_hours)]
        hour_ids = [row["id"] for row in self.business_hours]
        self.groups = [
            records.group(rng, i, start + i * 60, hour_ids[i % len(hour_ids)] if hour_ids and i % 2 else None)
            for i in range(sizes.groups)
        ]
        self.roles = [records.role(i, start, start + 90 * DAY) for i in range(sizes.roles)]
        group_ids = [row["id"] for row in self.groups]
        role_ids = [row["id"] for row in self.roles]
        agent_ids = [ID_BASE["agents"] + i + 1 for i in range(sizes.agents)]
        skill_agents = [agent_ids[i % len(agent_ids) :][:2] for i in range(sizes.skills)]
        self.skills = [records.skill(rng, i, early, skill_agents[i]) for i in range(sizes.skills)]
        self.agents = []
        for i in range(sizes.agents):
            own_groups = sorted(rng.sample(group_ids, min(len(group_ids), rng.randint(1, 2))))
            # The first agent is the account administrator; the others have the plain "Agent" role.
            own_roles = [role_ids[0] if i == 0 else role_ids[min(3, len(role_ids) - 1)]] if role_ids else []
            own_skills = [row["id"] for row in self.skills if any(a["id"] == agent_ids[i] for a in row["agents"])]
            created = start + i * DAY + rng.randint(0, 3600)
            updated = self._touched(rng, created, 0.2, 200)
            self.agents.append(records.agent(rng, i, created, updated, now, own_groups, own_roles, own_skills))

        self.email_configs = [records.email_config(0, start, None, None)] + [
            records.email_config(i + 1, early + i * DAY, product, group_ids[i % len(group_ids)])
            for i, product in enumerate(self.products)
        ]
        self.email_mailboxes = [records.mailbox(config) for config in self.email_configs]
        self.sla_policies = [
            records.sla_policy(i, start + i * 30 * DAY, start + i * 30 * DAY + 7 * DAY,
                               [p["id"] for p in self.products], agent_ids[0])
            for i in range(sizes.sla_policies)
        ]
        self.scenario_automations = [
            records.scenario_automation(rng, i, agent_ids[i % len(agent_ids)], group_ids[i % len(group_ids)])
            for i in range(sizes.scenario_automations)
        ]
        self.ticket_fields = records.ticket_fields(start, self.groups, self.agents, self.products)
        self._sections = records.ticket_field_sections(start, self.ticket_fields)
        self.ticket_field_sections = [row for rows in self._sections.values() for row in rows]
        self.ticket_forms = records.ticket_forms(start, agent_ids[0], self.ticket_fields)
        self._automation_rules = records.automation_rules(start, agent_ids[0], group_ids[0])
        self.automation_rules = [row for rows in self._automation_rules.values() for row in rows]
        self.account = records.account(start, len(self.agents))
        self.contact_fields = records.contact_fields(start)
        self.company_fields = records.company_fields(start)
        self.settings = records.settings()

        self.companies = []
        for i, created in enumerate(sorted(rng.randint(start, now - DAY) for _ in range(sizes.companies))):
            updated = self._touched(rng, created, 0.4, 300)
            company_id = ID_BASE["companies"] + i + 1
            self.companies.append(records.company(rng, company_id, created, updated, self._custom_rng(company_id)))
        company_ids = [row["id"] for row in self.companies]

        self.contacts = []
        for i, created in enumerate(sorted(rng.randint(start, now - DAY) for _ in range(sizes.contacts))):
            updated = self._touched(rng, created, 0.5, 400)
            company_id = rng.choice(company_ids) if company_ids and rng.random() < 0.7 else None
            contact_id = ID_BASE["contacts"] + i + 1
            self.contacts.append(
                records.contact(rng, contact_id, i + 1, created, updated, company_id, self._custom_rng(contact_id))
            )
        self._contacts_by_id = {row["id"]: row for row in self.contacts}
        removed = rng.sample(range(len(self.contacts)), sizes.deleted_contacts + sizes.blocked_contacts)
        self._contact_state = {
            self.contacts[index]["id"]: ("deleted" if n < sizes.deleted_contacts else "blocked")
            for n, index in enumerate(removed)
        }

        self._generate_tickets(rng, agent_ids, group_ids)
        self._generate_surveys_and_ratings(rng, agent_ids)
        self._generate_time_entries(rng, agent_ids)
        self._generate_canned_responses(rng, group_ids)
        self._generate_discussions(rng, agent_ids)
        self._generate_solutions(rng, agent_ids)

    def _generate_tickets(self, rng: random.Random, agent_ids: list[int], group_ids: list[int]) -> None:
        sizes, now, start = self.sizes, self._now, self.account_created
        contact_created = [to_epoch(row["created_at"]) for row in self.contacts]
        product_ids = [row["id"] for row in self.products]
        randint, rand, randrange = rng.randint, rng.random, rng.randrange
        max_conv = sizes.conversations_per_ticket_max
        self._tickets: list[TicketState] = []
        for index, created in enumerate(sorted(randint(start, now - 3600) for _ in range(sizes.tickets))):
            status = _STATUS_TABLE[randrange(100)]
            priority = _PRIORITY_TABLE[randrange(100)]
            # Last activity: none for one ticket in ten, else up to three weeks, never reaching now.
            activity = 0 if rand() < 0.1 else randint(60, 21 * DAY)
            if activity >= now - created:
                activity = randint(0, now - created - 1)
            known = bisect.bisect_right(contact_created, created)
            requester = self.contacts[randrange(known) if known else 0]
            self._tickets.append(TicketState(
                id=index + 1,
                created_at=created,
                updated_at=created + activity,
                conv_end=created + activity,
                status_at=created + randint(0, activity),
                status=status,
                priority=priority,
                source=_SOURCE_TABLE[randrange(100)],
                requester_id=requester["id"],
                responder_id=None if status == 2 and rand() < 0.3 else agent_ids[randrange(len(agent_ids))],
                group_id=None if rand() < 0.2 else group_ids[randrange(len(group_ids))],
                company_id=requester["company_id"],
                product_id=product_ids[randrange(len(product_ids))] if product_ids and rand() < 0.4 else None,
                n_conv=0 if max_conv == 0 or rand() < 0.2 else randint(1, max_conv),
                deleted=False,
                spam=False,
                added=None,
            ))
        chosen = rng.sample(self._tickets, sizes.deleted_tickets + sizes.spam_tickets + sizes.same_second_cluster)
        for state in chosen[: sizes.deleted_tickets]:
            state.deleted = True
        for state in chosen[sizes.deleted_tickets : sizes.deleted_tickets + sizes.spam_tickets]:
            state.spam = True
        cluster = chosen[sizes.deleted_tickets + sizes.spam_tickets :]
        if cluster:
            shared = max(state.updated_at for state in cluster)
            for state in cluster:
                state.updated_at = shared
        self.cluster_ticket_ids = sorted(state.id for state in cluster)

    def _generate_surveys_and_ratings(self, rng: random.Random, agent_ids: list[int]) -> None:
        sizes, start = self.sizes, self.account_created
        self.surveys = [records.survey(i, start + i * 60 * DAY, start + i * 60 * DAY + DAY) for i in range(sizes.surveys)]
        resolved = [state for state in self._tickets if state.status in (4, 5)] or self._tickets
        moments = []
        for _ in range(sizes.satisfaction_ratings):
            state = resolved[rng.randrange(len(resolved))]
            moments.append((self._before_now(rng, state.status_at, state.status_at + rng.randint(600, 3 * DAY)), state))
        moments.sort(key=lambda pair: (pair[0], pair[1].id))
        self.satisfaction_ratings = [
            records.satisfaction_rating(
                rng, ID_BASE["satisfaction_ratings"] + i + 1, self.surveys[0], self._ticket_link(state),
                state.responder_id or agent_ids[0], created)
            for i, (created, state) in enumerate(moments)
        ]

    def _generate_time_entries(self, rng: random.Random, agent_ids: list[int]) -> None:
        moments = []
        for _ in range(self.sizes.time_entries):
            state = self._tickets[rng.randrange(len(self._tickets))]
            created = self._before_now(rng, state.created_at, rng.randint(state.created_at, state.conv_end + 2 * DAY))
            # About 15% of entries are backdated: executed days before they were logged.
            executed = created - (rng.randint(1, 10) * DAY if rng.random() < 0.15 else 0)
            moments.append((created, executed, state))
        moments.sort(key=lambda item: (item[0], item[2].id))
        self.time_entries = [
            records.time_entry(rng, ID_BASE["time_entries"] + i + 1, self._ticket_link(state),
                               state.responder_id or agent_ids[0], created, executed)
            for i, (created, executed, state) in enumerate(moments)
        ]

    def _generate_canned_responses(self, rng: random.Random, group_ids: list[int]) -> None:
        sizes, start = self.sizes, self.account_created
        self.canned_response_folders, self.canned_responses = [], []
        self._responses_by_folder: dict[int, list[dict]] = {}
        for i in range(sizes.canned_response_folders):
            folder = records.canned_response_folder(i, start + i * DAY, sizes.canned_responses_per_folder)
            rows = []
            for _ in range(sizes.canned_responses_per_folder):
                record_id = ID_BASE["canned_responses"] + len(self.canned_responses) + 1
                row = records.canned_response(rng, record_id, folder["id"], start + (i + 1) * DAY + len(rows) * 3600,
                                              [] if rng.random() < 0.6 else [rng.choice(group_ids)])
                rows.append(row)
                self.canned_responses.append(row)
            self.canned_response_folders.append(folder)
            self._responses_by_folder[folder["id"]] = rows

    def _generate_discussions(self, rng: random.Random, agent_ids: list[int]) -> None:
        sizes, now, start = self.sizes, self._now, self.account_created
        users = agent_ids + [row["id"] for row in self.contacts[:50]]
        self.discussion_categories = [records.discussion_category(i, start + i * DAY) for i in range(sizes.discussion_categories)]
        self.discussion_forums, self.discussion_topics, self.discussion_comments = [], [], []
        self._forums_by_category: dict[int, list[dict]] = {}
        self._topics_by_forum: dict[int, list[dict]] = {}
        self._comments_by_topic: dict[int, list[dict]] = {}
        for category in self.discussion_categories:
            forums = []
            for position in range(1, sizes.discussion_forums_per_category + 1):
                forum_id = ID_BASE["discussion_forums"] + len(self.discussion_forums) + len(forums) + 1
                topics = []
                for _ in range(sizes.discussion_topics_per_forum):
                    topic_id = ID_BASE["discussion_topics"] + len(self.discussion_topics) + len(topics) + 1
                    created = rng.randint(start + min(30 * DAY, (now - 10 * DAY - start) // 2), now - 10 * DAY)
                    comments = []
                    moment = created
                    for _ in range(sizes.discussion_comments_per_topic):
                        comment_id = ID_BASE["discussion_comments"] + len(self.discussion_comments) + len(comments) + 1
                        author = users[rng.randrange(len(users))]
                        comments.append(records.discussion_comment(rng, comment_id, topic_id, forum_id, author, moment))
                        moment += rng.randint(600, 2 * DAY)
                    replied = to_epoch(comments[-1]["created_at"]) if comments else created
                    author = comments[0]["user_id"] if comments else users[0]
                    topics.append(records.discussion_topic(rng, topic_id, forum_id, author, created, replied, len(comments)))
                    self._comments_by_topic[topic_id] = comments
                    self.discussion_comments.extend(comments)
                posts = sum(topic["posts_count"] for topic in topics)
                forums.append(records.discussion_forum(forum_id, position, category["id"], len(topics), posts))
                self._topics_by_forum[forum_id] = topics
                self.discussion_topics.extend(topics)
            self._forums_by_category[category["id"]] = forums
            self.discussion_forums.extend(forums)

    def _generate_solutions(self, rng: random.Random, agent_ids: list[int]) -> None:
        sizes, now, start = self.sizes, self._now, self.account_created
        self.solution_categories = [records.solution_category(i, start + i * DAY) for i in range(sizes.solution_categories)]
        self.solution_folders, self.solution_articles = [], []
        self._folders_by_category: dict[int, list[dict]] = {}
        self._articles_by_folder: dict[int, list[dict]] = {}
        for category in self.solution_categories:
            folders = []
            for _ in range(sizes.solution_folders_per_category):
                folder_id = ID_BASE["solution_folders"] + len(self.solution_folders) + len(folders) + 1
                folder = records.solution_folder(folder_id, category, to_epoch(category["created_at"]) + DAY,
                                                 sizes.solution_articles_per_folder)
                articles = []
                for _ in range(sizes.solution_articles_per_folder):
                    article_id = ID_BASE["solution_articles"] + len(self.solution_articles) + len(articles) + 1
                    created = rng.randint(start + 10 * DAY, now - 5 * DAY)
                    updated = self._touched(rng, created, 0.3, 200)
                    articles.append(records.solution_article(rng, article_id, folder, rng.choice(agent_ids), created, updated))
                folders.append(folder)
                self._articles_by_folder[folder_id] = articles
                self.solution_articles.extend(articles)
            self._folders_by_category[category["id"]] = folders
            self.solution_folders.extend(folders)

    @staticmethod
    def _ticket_link(state: TicketState) -> dict[str, Any]:
        """The few ticket fields that ratings and time entries copy."""
        return {"id": state.id, "requester_id": state.requester_id, "group_id": state.group_id, "company_id": state.company_id}

    # --- ticket records ------------------------------------------------------------------------------

    def _email_config_for(self, state: TicketState) -> dict[str, Any]:
        for config in self.email_configs[1:]:
            if config["product_id"] == state.product_id:
                return config
        return self.email_configs[0]

    def _conversation_plan(self, state: TicketState) -> list[tuple[int, int, str]]:
        """(id, created_at, kind) of every conversation of a ticket, oldest first."""
        rng = random.Random(self._mix(2, state.id))
        times = sorted(rng.randint(state.created_at, state.conv_end) for _ in range(state.n_conv))
        plan = []
        previous = "incoming"
        for index, moment in enumerate(times):
            if rng.random() < 0.15:
                kind = "note"
            else:
                kind = "reply" if previous == "incoming" else "incoming"
                previous = kind
            plan.append((ID_BASE["conversations"] + state.id * CONVERSATION_SLOTS + index, moment, kind))
        if state.added:
            plan.extend(state.added)
        return plan

    def _build_conversations(self, state: TicketState) -> list[dict[str, Any]]:
        requester = self._contacts_by_id.get(state.requester_id)
        support_email = self._email_config_for(state)["reply_email"]
        rng = random.Random(self._mix(3, state.id))
        agent_id = state.responder_id or self.agents[0]["id"]
        return [
            records.conversation(rng, conversation_id, state.id, created, kind, requester, agent_id, support_email)
            for conversation_id, created, kind in self._conversation_plan(state)
        ]

    def _stats(self, state: TicketState) -> dict[str, Any]:
        plan = self._conversation_plan(state)
        replies = [created for _, created, kind in plan if kind == "reply"]
        incoming = [created for _, created, kind in plan if kind == "incoming"]
        status_at = fmt(state.status_at)
        return {
            "agent_responded_at": fmt(replies[-1]) if replies else None,
            "requester_responded_at": fmt(incoming[-1]) if incoming else None,
            "first_responded_at": fmt(replies[0]) if replies else None,
            "status_updated_at": status_at,
            "reopened_at": None,
            "resolved_at": status_at if state.status in (4, 5) else None,
            "closed_at": status_at if state.status == 5 else None,
            "pending_since": status_at if state.status == 3 else None,
        }

    def _ticket_record(self, state: TicketState, includes: Iterable[str]) -> dict[str, Any]:
        """The ticket as the list endpoint returns it with the given ``include`` items."""
        rng = random.Random(self._mix(1, state.id))
        subject, ticket_type, description, description_text = records.ticket_text(rng)
        tags = sorted(rng.sample(records.TAGS, rng.choice((0, 0, 1, 2))))
        emailed = state.source in (1, 10)
        config = self._email_config_for(state)
        requester = self._contacts_by_id[state.requester_id]
        cc_emails = [f"cc{state.id}@customer.example.com"] if emailed and rng.random() < 0.15 else []
        fr_escalated = rng.random() < 0.15
        is_escalated = fr_escalated or rng.random() < 0.05
        custom_fields = records.ticket_custom_fields(rng, state.created_at, self._custom_rng(state.id))
        record: dict[str, Any] = {
            "cc_emails": cc_emails,
            "fwd_emails": [],
            "reply_cc_emails": list(cc_emails),
            "ticket_cc_emails": list(cc_emails),
            "fr_escalated": fr_escalated,
            "spam": state.spam,
            "email_config_id": config["id"] if emailed else None,
            "group_id": state.group_id,
            "priority": state.priority,
            "requester_id": state.requester_id,
            "responder_id": state.responder_id,
            "source": state.source,
            "company_id": state.company_id,
            "status": state.status,
            "subject": subject,
            "association_type": None,
            "support_email": config["reply_email"] if emailed else None,
            "to_emails": [config["reply_email"]] if emailed else None,
            "product_id": state.product_id,
            "id": state.id,
            "type": ticket_type,
            "due_by": fmt(state.created_at + _RESOLVE_SECONDS[state.priority]),
            "fr_due_by": fmt(state.created_at + _RESPOND_SECONDS[state.priority]),
            "is_escalated": is_escalated,
            "custom_fields": custom_fields,
            "created_at": fmt(state.created_at),
            "updated_at": fmt(state.updated_at),
            "associated_tickets_count": None,
            "tags": tags,
        }
        if "description" in includes:
            record["description"] = description
            record["description_text"] = description_text
        if "requester" in includes:
            record["requester"] = {key: requester[key] for key in ("id", "name", "email", "mobile", "phone")}
        if "stats" in includes:
            record["stats"] = self._stats(state)
        record["nr_due_by"] = None
        record["nr_escalated"] = False
        if state.deleted:
            record["deleted"] = True
        return record

    def _state(self, ticket_id: int) -> TicketState:
        if not 1 <= ticket_id <= len(self._tickets):
            raise KeyError(f"no ticket {ticket_id}")
        return self._tickets[ticket_id - 1]

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """The full record of one ticket (requester, stats and description included)."""
        with self.lock:
            return self._ticket_record(self._state(ticket_id), TICKET_INCLUDES)

    def ticket_state(self, ticket_id: int) -> TicketState:
        """The raw state of one ticket (timestamps as epoch seconds, flags)."""
        return self._state(ticket_id)

    @property
    def deleted_ticket_ids(self) -> list[int]:
        with self.lock:
            return [state.id for state in self._tickets if state.deleted]

    @property
    def spam_ticket_ids(self) -> list[int]:
        with self.lock:
            return [state.id for state in self._tickets if state.spam and not state.deleted]

    @property
    def deleted_contact_ids(self) -> list[int]:
        with self.lock:
            return sorted(contact_id for contact_id, state in self._contact_state.items() if state == "deleted")

    @property
    def blocked_contact_ids(self) -> list[int]:
        with self.lock:
            return sorted(contact_id for contact_id, state in self._contact_state.items() if state == "blocked")

    def contact(self, contact_id: int) -> dict[str, Any]:
        """A copy of a contact as stored (without the list's ``deleted`` flag)."""
        with self.lock:
            return loads(dumps(self._contacts_by_id[contact_id]))

    def conversations(self, ticket_id: int) -> list[dict[str, Any]] | None:
        """A ticket's conversations, oldest first; None (the API's 404) if unknown or deleted."""
        with self.lock:
            if not 1 <= ticket_id <= len(self._tickets):
                return None
            state = self._tickets[ticket_id - 1]
            return None if state.deleted else self._build_conversations(state)

    # --- queries the server uses --------------------------------------------------------------------

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """Memoize a query result until the next mutation (callers hold the lock)."""
        if key in self._query_cache:
            self._query_cache.move_to_end(key)
            return self._query_cache[key]
        value = compute()
        self._query_cache[key] = value
        if len(self._query_cache) > 16:
            self._query_cache.popitem(last=False)
        return value

    def ticket_query(self, kind: str, updated_since: int | None, order_by: str, order_type: str) -> list[TicketState]:
        """Tickets of a list call: ``kind`` is "default", "deleted" or "spam".

        Without ``updated_since`` only tickets created in the 30 days before ``now`` qualify; with it,
        tickets with ``updated_at >= updated_since``. Ties are broken by id, in the same direction.
        """

        def compute() -> list[TicketState]:
            if kind == "deleted":
                pool = [state for state in self._tickets if state.deleted]
            elif kind == "spam":
                pool = [state for state in self._tickets if state.spam and not state.deleted]
            else:
                pool = [state for state in self._tickets if not state.deleted and not state.spam]
            if updated_since is None:
                window_start = self._now - 30 * DAY
                pool = [state for state in pool if state.created_at >= window_start]
            else:
                pool = [state for state in pool if state.updated_at >= updated_since]
            attribute = {"created_at": "created_at", "updated_at": "updated_at", "status": "status", "due_by": None}[order_by]
            if attribute is None:
                pool.sort(key=lambda s: (s.created_at + _RESOLVE_SECONDS[s.priority], s.id), reverse=order_type == "desc")
            else:
                pool.sort(key=lambda s: (getattr(s, attribute), s.id), reverse=order_type == "desc")
            return pool

        return self._cached(("tickets", kind, updated_since, order_by, order_type), compute)

    def ticket_records(self, states: list[TicketState], includes: Iterable[str]) -> list[dict[str, Any]]:
        return [self._ticket_record(state, includes) for state in states]

    def contact_query(self, state: str | None, updated_since: int | None) -> list[dict[str, Any]]:
        """Contacts of a list call, sorted by name then id (Freshdesk does not sort by updated_at).

        ``state`` None lists contacts neither deleted nor blocked; "deleted"/"blocked" list those;
        "verified"/"unverified" split the default list on ``active``. Deleted contacts carry
        ``"deleted": true``, Freshdesk's documented flag; Freshdesk documents no flag for blocked
        contacts, so they carry none.
        """

        def compute() -> list[dict[str, Any]]:
            if state == "deleted":
                rows = [{**row, "deleted": True} for row in self.contacts if self._contact_state.get(row["id"]) == state]
            elif state == "blocked":
                rows = [row for row in self.contacts if self._contact_state.get(row["id"]) == state]
            else:
                rows = [row for row in self.contacts if row["id"] not in self._contact_state]
                if state is not None:
                    rows = [row for row in rows if row["active"] == (state == "verified")]
            if updated_since is not None:
                rows = [row for row in rows if to_epoch(row["updated_at"]) >= updated_since]
            return sorted(rows, key=lambda row: (row["name"], row["id"]))

        return self._cached(("contacts", state, updated_since), compute)

    def company_query(self, updated_since: int | None) -> list[dict[str, Any]]:
        """Companies sorted by name then id, optionally with ``updated_at >= updated_since``."""

        def compute() -> list[dict[str, Any]]:
            rows = self.companies
            if updated_since is not None:
                rows = [row for row in rows if to_epoch(row["updated_at"]) >= updated_since]
            return sorted(rows, key=lambda row: (row["name"], row["id"]))

        return self._cached(("companies", updated_since), compute)

    def rating_query(self, created_since: int | None) -> list[dict[str, Any]]:
        """Satisfaction ratings (id order) with ``created_at >= created_since``."""
        if created_since is None:
            return self.satisfaction_ratings
        return [row for row in self.satisfaction_ratings if to_epoch(row["created_at"]) >= created_since]

    def time_entry_query(self, executed_after: int | None, executed_before: int | None) -> list[dict[str, Any]]:
        """Time entries (id order) with ``executed_after <= executed_at < executed_before``."""
        rows = self.time_entries
        if executed_after is not None:
            rows = [row for row in rows if to_epoch(row["executed_at"]) >= executed_after]
        if executed_before is not None:
            rows = [row for row in rows if to_epoch(row["executed_at"]) < executed_before]
        return rows

    def children(self, relation: str, parent_id: int) -> list[dict[str, Any]] | None:
        """Child records of a nested route, or None when the parent does not exist (a 404)."""
        index = {
            "canned_responses": self._responses_by_folder,
            "discussion_forums": self._forums_by_category,
            "discussion_topics": self._topics_by_forum,
            "discussion_comments": self._comments_by_topic,
            "solution_folders": self._folders_by_category,
            "solution_articles": self._articles_by_folder,
            "ticket_field_sections": self._sections,
            "automation_rules": self._automation_rules,
        }[relation]
        return index.get(parent_id)

    def activity_export_days(self) -> list[str]:
        """The days (YYYY-MM-DD) whose ticket activities file the export holds: the 30 before the clock's
        day (a day's file is written once the day is over). See ``activities``."""
        return activities.export_days(self._now)

    def activity_file(self, day: str) -> dict[str, Any] | None:
        """The export's file for ``day`` as Freshdesk writes it, or None (a 404) for a day it does not hold."""
        with self.lock:
            rows = self._cached(("ticket_activities", self._now), lambda: activities.activities_by_day(self)).get(day)
            return None if rows is None else activities.file_body(day, rows)

    # --- mutations -----------------------------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        self._query_cache.clear()

    def update_tickets(self, ids: Iterable[int]) -> list[int]:
        """Set the tickets' ``updated_at`` to now."""
        return self.set_updated_at(ids, self._now)

    def set_updated_at(self, ticket_ids: Iterable[int], ts: int | str | datetime) -> list[int]:
        """Give the tickets one ``updated_at`` (for building same-second clusters)."""
        moment = to_epoch(ts)
        with self.lock:
            states = [self._state(ticket_id) for ticket_id in ticket_ids]
            for state in states:
                if moment < state.created_at:
                    raise ValueError(f"ticket {state.id} was created after {fmt(moment)}")
            for state in states:
                state.updated_at = moment
            self._changed()
            return [state.id for state in states]

    def add_conversation(self, ticket_id: int, kind: str = "incoming") -> list[int]:
        """Add a conversation created now (``kind``: incoming, reply or note); bumps the ticket."""
        if kind not in ("incoming", "reply", "note"):
            raise ValueError(f"unknown conversation kind {kind!r}")
        with self.lock:
            state = self._state(ticket_id)
            self._added_conversations += 1
            conversation_id = ID_BASE["added_conversations"] + self._added_conversations
            state.added = (state.added or []) + [(conversation_id, self._now, kind)]
            state.updated_at = self._now
            self._changed()
            return [conversation_id]

    def delete_tickets(self, ids: Iterable[int]) -> list[int]:
        """Move tickets to the trash (listed only with filter=deleted); bumps ``updated_at``."""
        with self.lock:
            states = [self._state(ticket_id) for ticket_id in ids]
            for state in states:
                state.deleted, state.updated_at = True, self._now
            self._changed()
            return [state.id for state in states]

    def spam_tickets(self, ids: Iterable[int]) -> list[int]:
        """Mark tickets as spam (listed only with filter=spam); bumps ``updated_at``."""
        with self.lock:
            states = [self._state(ticket_id) for ticket_id in ids]
            for state in states:
                state.spam, state.updated_at = True, self._now
            self._changed()
            return [state.id for state in states]

    def add_contacts(self, n: int) -> list[int]:
        """Create ``n`` contacts now."""
        with self.lock:
            rng = random.Random(self._mix(5, len(self.contacts)))
            company_ids = [row["id"] for row in self.companies]
            ids = []
            for _ in range(n):
                number = len(self.contacts) + 1
                company_id = rng.choice(company_ids) if company_ids and rng.random() < 0.7 else None
                contact_id = ID_BASE["contacts"] + number
                row = records.contact(
                    rng, contact_id, number, self._now, self._now, company_id, self._custom_rng(contact_id)
                )
                self.contacts.append(row)
                self._contacts_by_id[row["id"]] = row
                ids.append(row["id"])
            self._changed()
            return ids

    def update_contacts(self, ids: Iterable[int]) -> list[int]:
        """Set the contacts' ``updated_at`` to now."""
        with self.lock:
            rows = [self._contacts_by_id[contact_id] for contact_id in ids]
            for row in rows:
                row["updated_at"] = fmt(self._now)
            self._changed()
            return [row["id"] for row in rows]

    def delete_contacts(self, ids: Iterable[int]) -> list[int]:
        """Soft-delete contacts (listed only with state=deleted); bumps ``updated_at``."""
        return self._move_contacts(ids, "deleted")

    def block_contacts(self, ids: Iterable[int]) -> list[int]:
        """Block contacts (listed only with state=blocked); bumps ``updated_at``."""
        return self._move_contacts(ids, "blocked")

    def _move_contacts(self, ids: Iterable[int], state: str) -> list[int]:
        with self.lock:
            rows = [self._contacts_by_id[contact_id] for contact_id in ids]
            for row in rows:
                row["updated_at"] = fmt(self._now)
                self._contact_state[row["id"]] = state
            self._changed()
            return [row["id"] for row in rows]

    def add_companies(self, n: int) -> list[int]:
        """Create ``n`` companies now."""
        with self.lock:
            rng = random.Random(self._mix(6, len(self.companies)))
            ids = []
            for _ in range(n):
                company_id = ID_BASE["companies"] + len(self.companies) + 1
                row = records.company(rng, company_id, self._now, self._now, self._custom_rng(company_id))
                self.companies.append(row)
                ids.append(row["id"])
            self._changed()
            return ids

    def _live_ticket(self, rng: random.Random) -> TicketState:
        live = [state for state in self._tickets if not state.deleted and not state.spam]
        return live[rng.randrange(len(live))]

    def add_satisfaction_ratings(self, n: int) -> list[int]:
        """Create ``n`` satisfaction ratings now, on random live tickets."""
        with self.lock:
            rng = random.Random(self._mix(7, len(self.satisfaction_ratings)))
            ids = []
            for _ in range(n):
                state = self._live_ticket(rng)
                record_id = ID_BASE["satisfaction_ratings"] + len(self.satisfaction_ratings) + 1
                self.satisfaction_ratings.append(records.satisfaction_rating(
                    rng, record_id, self.surveys[0], self._ticket_link(state),
                    state.responder_id or self.agents[0]["id"], self._now))
                ids.append(record_id)
            self._changed()
            return ids

    def add_time_entries(self, n: int) -> list[int]:
        """Create ``n`` time entries now (``executed_at`` = now), on random live tickets."""
        with self.lock:
            rng = random.Random(self._mix(8, len(self.time_entries)))
            ids = []
            for _ in range(n):
                state = self._live_ticket(rng)
                record_id = ID_BASE["time_entries"] + len(self.time_entries) + 1
                self.time_entries.append(records.time_entry(
                    rng, record_id, self._ticket_link(state), state.responder_id or self.agents[0]["id"],
                    self._now, self._now))
                ids.append(record_id)
            self._changed()
            return ids

    # --- what a connector should read ----------------------------------------------------------------

    STREAMS = (
        "account", "agents", "automation_rules", "business_hours", "canned_response_folders", "canned_responses",
        "companies", "company_fields", "contact_fields", "contacts", "conversations", "discussion_categories",
        "discussion_comments", "discussion_forums", "discussion_topics", "email_configs", "email_mailboxes",
        "groups", "products", "roles", "satisfaction_ratings", "scenario_automations", "settings", "skills",
        "sla_policies", "solution_articles", "solution_categories", "solution_folders", "surveys",
        "ticket_activities", "ticket_field_sections", "ticket_fields", "ticket_forms", "tickets", "time_entries",
    )

    def expected(self, stream: str, start_date: str | int | datetime | None = None) -> list[dict[str, Any]]:
        """The records a connector should output for ``stream``, as JSON-equal copies.

        - tickets: every ticket neither deleted nor spam with ``updated_at >= start_date``, as
          returned with ``include=requester,stats,description``, ordered by (updated_at, id).
        - conversations: the conversations of those tickets, ticket by ticket, oldest first.
        - contacts: neither deleted nor blocked, ``updated_at >= start_date``, by (name, id).
        - companies: ``updated_at >= start_date``, by (name, id).
        - satisfaction_ratings: ``created_at >= start_date``; time_entries: ``executed_at >= start_date``.
        - ticket_activities: the activities of the export's files (the 30 days before the clock's day)
          from start_date's day on, day by day, with ``performed_at`` in the API's usual UTC form
          (the files write 01-06-2025 09:33:38 +0000).
        - settings, account: a one-element list; every other stream: all records, start_date ignored
          (automation_rules type by type: 1, 3, 4; ticket_field_sections field by field).
        Nested streams (canned_responses, discussion_*, solution_*) come parent by parent.
        """
        if stream not in self.STREAMS:
            raise KeyError(f"unknown stream {stream!r}")
        since = None if start_date is None else to_epoch(start_date)
        with self.lock:
            if stream in ("tickets", "conversations"):
                states = [s for s in self._tickets if not s.deleted and not s.spam and (since is None or s.updated_at >= since)]
                states.sort(key=lambda s: (s.updated_at, s.id))
                if stream == "tickets":
                    return self.ticket_records(states, TICKET_INCLUDES)
                return [row for state in states for row in self._build_conversations(state)]
            if stream == "ticket_activities":
                first_day = None if since is None else fmt_date(since)
                rows = [
                    {**row, "performed_at": fmt(activities.parse_export(row["performed_at"]))}
                    for day in self.activity_export_days()
                    if first_day is None or day >= first_day
                    for row in self.activity_file(day)["activities_data"]
                ]
            elif stream == "contacts":
                rows = self.contact_query(None, since)
            elif stream == "companies":
                rows = self.company_query(since)
            elif stream == "satisfaction_ratings":
                rows = self.rating_query(since)
            elif stream == "time_entries":
                rows = self.time_entry_query(since, None)
            elif stream in ("settings", "account"):
                rows = [getattr(self, stream)]
            else:
                rows = getattr(self, stream)
            return loads(dumps(rows))
