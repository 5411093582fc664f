"""Builders for Freshdesk-shaped records.

Each builder takes a seeded ``random.Random`` (and the ids it must refer to) and returns one record as
the Freshdesk API v2 returns it: the same field names, in the same order, with blank fields as
``null`` rather than omitted. The shapes follow the public API reference and records captured from a
real account. Nothing here keeps state; ``data.Dataset`` decides what to build and in which order,
which is what makes the data set a pure function of the seed.
"""

from __future__ import annotations

import random
from typing import Any

from .timeutil import fmt, fmt_date

DAY = 86400

# Each resource draws its ids from its own range, so an id alone tells what it is, and ids grow with
# creation order as Freshdesk's do. Ticket ids are the small sequential display ids (1, 2, 3, ...).
ID_BASE = {
    "products": 41_000_000_000,
    "business_hours": 42_000_000_000,
    "groups": 43_000_000_000,
    "roles": 44_000_000_000,
    "skills": 45_000_000_000,
    "agents": 46_000_000_000,
    "companies": 47_000_000_000,
    "contacts": 48_000_000_000,
    "email_configs": 49_000_000_000,
    "surveys": 50_000_000_000,
    "satisfaction_ratings": 51_000_000_000,
    "time_entries": 52_000_000_000,
    "ticket_fields": 53_000_000_000,
    "contact_fields": 54_000_000_000,
    "company_fields": 55_000_000_000,
    "sla_policies": 56_000_000_000,
    "scenario_automations": 57_000_000_000,
    "canned_response_folders": 58_000_000_000,
    "canned_responses": 59_000_000_000,
    "discussion_categories": 60_000_000_000,
    "discussion_forums": 61_000_000_000,
    "discussion_topics": 62_000_000_000,
    "discussion_comments": 63_000_000_000,
    "solution_categories": 64_000_000_000,
    "solution_folders": 65_000_000_000,
    "solution_articles": 66_000_000_000,
    "portals": 67_000_000_000,
    "conversations": 70_000_000_000,
    "added_conversations": 79_000_000_000,
    "attachments": 80_000_000_000,
    "ticket_forms": 81_000_000_000,
    "automation_rules": 82_000_000_000,
    "ticket_field_sections": 83_000_000_000,
}
# Generated conversation ids are ID_BASE["conversations"] + ticket_id * CONVERSATION_SLOTS + index.
CONVERSATION_SLOTS = 100

ACCOUNT_DOMAIN = "acme-support.freshdesk.com"
SUPPORT_EMAIL = f"support@{ACCOUNT_DOMAIN}"
TIME_ZONE = "Eastern Time (US & Canada)"

FIRST_NAMES = (
    "Aaron", "Abigail", "Adam", "Aisha", "Alice", "Amir", "Ana", "Andre", "Beatriz", "Benjamin", "Bianca",
    "Carlos", "Chen", "Chloe", "Daniel", "Dmitri", "Elena", "Emily", "Fatima", "Felix", "Grace", "Hannah",
    "Hiro", "Ines", "Isaac", "Jamal", "Jessica", "Jonas", "Julia", "Kenji", "Laura", "Lucas", "Maria",
    "Mateo", "Mei", "Nadia", "Noah", "Olivia", "Omar", "Priya", "Rachel", "Rafael", "Sara", "Sofia",
    "Tomas", "Valentina", "Wei", "Yusuf", "Zoe", "Zeynep",
)
LAST_NAMES = (
    "Abbott", "Adams", "Alvarez", "Bauer", "Becker", "Brown", "Chen", "Costa", "Davis", "Dubois", "Evans",
    "Fischer", "Garcia", "Gonzalez", "Gupta", "Hansen", "Ito", "Jensen", "Johnson", "Kim", "Kowalski",
    "Lee", "Lopez", "Martin", "Meyer", "Miller", "Moreau", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Patel", "Perez", "Rossi", "Santos", "Schmidt", "Silva", "Smith", "Tanaka", "Walker", "Wang", "Young",
)
COMPANY_WORDS = (
    "Acme", "Apex", "Blue Harbor", "Brightline", "Cedar", "Cobalt", "Crescent", "Evergreen", "Falcon",
    "Granite", "Harbor", "Horizon", "Ironwood", "Juniper", "Keystone", "Lumen", "Maple", "Meridian",
    "Northwind", "Oakridge", "Orion", "Pinnacle", "Quantum", "Redwood", "Riverside", "Summit", "Tidewater",
    "Vertex", "Willow", "Zenith",
)
COMPANY_SUFFIXES = ("Inc", "LLC", "Ltd", "Group", "Labs", "Systems", "Partners", "Logistics", "Retail")
INDUSTRIES = ("Automotive", "Banks", "Consumer Services", "Energy", "Healthcare", "Media", "Retailing", "Software")
JOB_TITLES = ("Buyer", "Office Manager", "Engineer", "Accountant", "Store Owner", "Analyst", None, None, None)
LANGUAGES = ("en", "en", "en", "de", "fr", "es", "pt-BR")
TICKET_TYPES = ("Question", "Incident", "Problem", "Feature Request", "Refund")
TAGS = ("billing", "shipping", "refund", "vip", "bug", "login", "invoice", "mobile", "urgent", "feedback")
SUBJECT_OPENERS = (
    "Cannot", "Unable to", "Question about how to", "Help needed to", "Error when trying to", "Need to",
)
SUBJECT_ACTIONS = (
    "log in to my account", "update my billing address", "download the invoice", "track my order",
    "reset my password", "change the delivery date", "apply a discount code", "export my data",
    "cancel my subscription", "add a new user", "connect the mobile app", "return a damaged item",
)
SENTENCES = (
    "I tried again this morning and got the same result.",
    "The page shows an error message and nothing happens.",
    "This is blocking our team, so a quick answer would help a lot.",
    "I attached a screenshot of what I see.",
    "It worked fine until last week.",
    "Could you tell me what I am doing wrong?",
    "Our order number is in the subject line.",
    "Thanks in advance for your help.",
    "I already cleared the cache and used another browser.",
    "Please let me know if you need more details.",
)
REPLIES = (
    "Thanks for reaching out. I have looked into this and it should work now.",
    "Could you send us the exact error message you see?",
    "We have escalated this to our engineering team and will update you soon.",
    "The refund has been issued and should reach you within five business days.",
    "I have reset the setting on our side; please try once more.",
)
CUSTOMER_REPLIES = (
    "That worked, thank you!",
    "I still see the same problem, unfortunately.",
    "Here is the screenshot you asked for.",
    "Any update on this?",
)
NOTES = (
    "Checked the logs: the request failed on the payment gateway.",
    "Customer is on the annual plan; refund needs approval.",
    "Duplicate of an earlier report, linking them.",
)

# Custom fields: (name, label, type, choices). Records carry one value per field in `custom_fields`
# (a nested field one per level), in Freshdesk's forms: a decimal as a string ("49.90"), a date as
# "2024-01-31", a date-time as "2024-01-31T10:30:00Z", a multi-select as a list of its choices. Every
# Freshdesk custom field type is among them. Ticket fields are named `cf_...` by Freshdesk; contact and
# company fields keep the name of their label (`department`), as on a real account, except the first
# ones here, named `cf_...` when this emulator was first written.
REGIONS = {
    "Europe": {"France": ("Paris", "Lyon"), "Germany": ("Berlin", "Munich")},
    "North America": {"USA": ("New York", "Austin"), "Canada": ("Toronto", "Vancouver")},
}
TICKET_CUSTOM_FIELDS = (
    ("cf_order_number", "Order number", "custom_text", None),
    ("cf_units_affected", "Units affected", "custom_number", None),
    ("cf_vip_customer", "VIP customer", "custom_checkbox", None),
    ("cf_follow_up_date", "Follow-up date", "custom_date", None),
    ("cf_category", "Category", "custom_dropdown", ("Billing", "Shipping", "Product", "Account", "Other")),
    ("cf_refund_amount", "Refund amount", "custom_decimal", None),
    ("cf_internal_note", "Internal note", "custom_paragraph", None),
    ("cf_callback_at", "Callback at", "custom_date_time", None),
    ("cf_region", "Region", "nested_field", REGIONS),
    ("cf_order_page", "Order page", "custom_url", None),
    ("cf_callback_phone", "Callback phone", "custom_phone_number", None),
    ("cf_affected_products", "Affected products", "custom_multi_select_dropdown", ("Widget", "Gadget", "Gizmo")),
)
# The levels of the nested field cf_region below the first: (name, label, level).
REGION_LEVELS = (("cf_country", "Country", 2), ("cf_city", "City", 3))
CONTACT_CUSTOM_FIELDS = (
    ("cf_customer_tier", "Customer tier", "custom_dropdown", ("Gold", "Silver", "Bronze")),
    ("cf_newsletter", "Newsletter", "custom_checkbox", None),
    ("cf_loyalty_points", "Loyalty points", "custom_number", None),
    ("cf_member_since", "Member since", "custom_date", None),
    ("department", "Department", "custom_text", None),
    ("backup_phone", "Backup phone", "custom_phone_number", None),
)
COMPANY_CUSTOM_FIELDS = (
    ("cf_contract_id", "Contract ID", "custom_text", None),
    ("cf_annual_revenue", "Annual revenue", "custom_decimal", None),
    ("cf_seats", "Seats", "custom_number", None),
    ("cf_website", "Website", "custom_url", None),
    ("key_account", "Key account", "custom_checkbox", None),
    ("onboarded_on", "Onboarded on", "custom_date", None),
    ("account_notes", "Account notes", "custom_paragraph", None),
)

ROLE_DEFINITIONS = (
    ("Account Administrator", "Has complete control over the help desk and the organisation.", 1),
    ("Administrator", "Can configure all features through the Admin tab.", 1),
    ("Supervisor", "Can perform all agent related activities and access reports.", 1),
    ("Agent", "Can log, view, reply, update and resolve tickets and manage contacts.", 1),
    ("Ticket Collaborator", "Can get tagged to tickets and add private notes within their scope.", 3),
    ("Analytics Collaborator", "Can view reports in the Analytics module.", 3),
)
GROUP_NAMES = ("Billing", "Escalations", "Product Management", "QA", "Sales", "Shipping and delivery", "Returns")
PRODUCT_NAMES = ("Acme Cloud", "Acme Mobile", "Acme Hardware", "Acme Payments", "Acme Analytics")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def person_name(rng: random.Random) -> str:
    """A first and last name; repeats across records are intended (real lists have them)."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_for(name: str, number: int, domain: str) -> str:
    """A unique, readable e-mail address for a person."""
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}{number}@{domain}"


def html(text: str) -> str:
    """The HTML body Freshdesk stores next to a plain-text one."""
    return f"<div>{text}</div>"


def choose_or_none(rng: random.Random, values: list[Any] | tuple[Any, ...], none_share: float) -> Any:
    """A random element, or None with the given probability."""
    return None if not values or rng.random() < none_share else rng.choice(values)


# --- account configuration -------------------------------------------------------------------------


def product(rng: random.Random, index: int, created: int) -> dict[str, Any]:
    name = PRODUCT_NAMES[index % len(PRODUCT_NAMES)] + ("" if index < len(PRODUCT_NAMES) else f" {index + 1}")
    return {
        "id": ID_BASE["products"] + index + 1,
        "name": name,
        "description": f"Support for {name}",
        "created_at": fmt(created),
        "updated_at": fmt(created + rng.randint(0, 30) * DAY),
    }


def business_hour(rng: random.Random, index: int, created: int) -> dict[str, Any]:
    start, end = ("8:00 am", "5:00 pm") if index == 0 else ("9:00 am", "6:00 pm")
    return {
        "id": ID_BASE["business_hours"] + index + 1,
        "name": "Default" if index == 0 else f"Regional hours {index}",
        "is_default": index == 0,
        "description": "Default Business Calendar" if index == 0 else f"Business hours for region {index}",
        "business_hours": {day: {"start_time": start, "end_time": end} for day in WEEKDAYS},
        "time_zone": TIME_ZONE,
        "created_at": fmt(created),
        "updated_at": fmt(created + rng.randint(0, 60) * DAY),
    }


def group(rng: random.Random, index: int, created: int, business_hour_id: int | None) -> dict[str, Any]:
    name = GROUP_NAMES[index % len(GROUP_NAMES)] + ("" if index < len(GROUP_NAMES) else f" {index + 1}")
    return {
        "id": ID_BASE["groups"] + index + 1,
        "name": name,
        "description": f"Members of the {name} team belong to this group",
        "escalate_to": None,
        "unassigned_for": None,
        "business_hour_id": business_hour_id,
        "group_type": "support_agent_group",
        "created_at": fmt(created),
        "updated_at": fmt(created + rng.randint(0, 90) * DAY),
        "auto_ticket_assign": rng.choice((0, 0, 1)),
    }


def role(index: int, created: int, updated: int) -> dict[str, Any]:
    if index < len(ROLE_DEFINITIONS):
        name, description, agent_type = ROLE_DEFINITIONS[index]
        default = True
    else:
        name, description, agent_type, default = f"Custom role {index + 1}", "A custom role", 1, False
    return {
        "id": ID_BASE["roles"] + index + 1,
        "name": name,
        "description": description,
        "default": default,
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "agent_type": agent_type,
    }


def skill(rng: random.Random, index: int, created: int, agent_ids: list[int]) -> dict[str, Any]:
    language = ("German", "French", "Spanish", "Portuguese", "Japanese")[index % 5]
    return {
        "id": ID_BASE["skills"] + index + 1,
        "name": f"{language} speaker" + ("" if index < 5 else f" {index + 1}"),
        "rank": index + 1,
        "created_at": fmt(created),
        "updated_at": fmt(created + rng.randint(0, 30) * DAY),
        "agents": [{"id": agent_id} for agent_id in agent_ids],
        "match_type": "all",
        "conditions": [
            {"resource_type": "ticket", "field_name": "language", "operator": "in", "value": [language.lower()]}
        ],
    }


def agent(
    rng: random.Random,
    index: int,
    created: int,
    updated: int,
    now: int,
    group_ids: list[int],
    role_ids: list[int],
    skill_ids: list[int],
) -> dict[str, Any]:
    name = person_name(rng)
    last_active = None if rng.random() < 0.2 else fmt(max(updated, now - rng.randint(1, 30) * DAY))
    occasional = index > 0 and rng.random() < 0.25
    return {
        "available": rng.random() < 0.6,
        "occasional": occasional,
        "id": ID_BASE["agents"] + index + 1,
        "signature": None if rng.random() < 0.5 else html(f"Best regards,<br>{name}"),
        "ticket_scope": 1 if index == 0 else rng.choice((1, 1, 2, 3)),
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "last_active_at": last_active,
        "available_since": None,
        "type": "support_agent",
        "contact": {
            "active": not occasional,
            "email": email_for(name, index + 1, "acme-support.example.com"),
            "job_title": "Support Specialist",
            "language": "en",
            "last_login_at": last_active,
            "mobile": None,
            "name": name,
            "phone": None,
            "time_zone": TIME_ZONE,
            "created_at": fmt(created),
            "updated_at": fmt(updated),
        },
        "focus_mode": True,
        "group_ids": group_ids,
        "role_ids": role_ids,
        "skill_ids": skill_ids,
    }


def email_config(index: int, created: int, product_row: dict[str, Any] | None, group_id: int | None) -> dict[str, Any]:
    """Email config ``index`` (0 is the account's default support address)."""
    name = "Acme Support" if product_row is None else product_row["name"]
    reply = SUPPORT_EMAIL if product_row is None else f"support{index}@acme.example.com"
    return {
        "id": ID_BASE["email_configs"] + index + 1,
        "name": name,
        "product_id": None if product_row is None else product_row["id"],
        "to_email": reply if product_row is None else f"acmesupport{index}@{ACCOUNT_DOMAIN}",
        "reply_email": reply,
        "group_id": group_id,
        "primary_role": True,
        "active": True,
        "created_at": fmt(created),
        "updated_at": fmt(created + 3600),
    }


def mailbox(config: dict[str, Any]) -> dict[str, Any]:
    """The email/mailboxes view of an email config (same id, as in Freshdesk)."""
    return {
        "id": config["id"],
        "name": config["name"],
        "support_email": config["reply_email"],
        "group_id": config["group_id"],
        "default_reply_email": True,
        "active": config["active"],
        "mailbox_type": "freshdesk_mailbox",
        "failure_code": None,
        "created_at": config["created_at"],
        "updated_at": config["updated_at"],
        "product_id": config["product_id"],
        "freshdesk_mailbox": {"forward_email": config["to_email"]},
    }


def sla_policy(index: int, created: int, updated: int, product_ids: list[int], agent_id: int) -> dict[str, Any]:
    targets = {}
    for priority, (respond, resolve) in {4: (3600, 14400), 3: (14400, 43200), 2: (28800, 86400), 1: (86400, 259200)}.items():
        scale = 1 if index == 0 else 2
        targets[f"priority_{priority}"] = {
            "respond_within": respond * scale,
            "resolve_within": resolve * scale,
            "next_respond_within": None,
            "business_hours": index != 0,
            "escalation_enabled": True,
        }
    escalation: dict[str, Any] = {}
    if index:
        escalation = {
            "reminder_response": {},
            "reminder_resolution": {},
            "response": {"escalation_time": 1800, "agent_ids": [-1, agent_id]},
            "resolution": {"level_1": {"escalation_time": 3600, "agent_ids": [-1, agent_id]}},
        }
    return {
        "id": ID_BASE["sla_policies"] + index + 1,
        "name": "Default SLA Policy" if index == 0 else f"Priority customers SLA {index}",
        "description": "default policy" if index == 0 else None,
        "active": True,
        "sla_target": targets,
        "applicable_to": {} if index == 0 else {"product_ids": product_ids[:1], "ticket_types": ["Incident"]},
        "is_default": index == 0,
        "position": index + 1,
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "escalation": escalation,
    }


def scenario_automation(rng: random.Random, index: int, agent_id: int, group_id: int) -> dict[str, Any]:
    return {
        "id": ID_BASE["scenario_automations"] + index + 1,
        "name": ("Mark as refund", "Escalate to tier 2", "Close as duplicate", "Assign to billing")[index % 4]
        + ("" if index < 4 else f" {index + 1}"),
        "description": "Applies a set of actions in one click",
        "actions": [
            {"name": "priority", "value": str(rng.randint(1, 4))},
            {"name": "ticket_type", "value": rng.choice(TICKET_TYPES)},
            {"name": "status", "value": str(rng.choice((2, 3, 4)))},
            {"name": "responder_id", "value": str(agent_id)},
            {"name": "group_id", "value": str(group_id)},
        ],
        "private": index % 3 == 2,
    }


def settings() -> dict[str, Any]:
    """settings/helpdesk: a single object."""
    return {
        "primary_language": "en",
        "supported_languages": ["de", "fr", "es"],
        "portal_languages": ["de", "fr"],
        "help_widget_languages": [],
    }


def _field_choices(base: int, values: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"id": base + i + 1, "label": value, "value": value, "position": i + 1} for i, value in enumerate(values)]


def ticket_fields(
    created: int, groups: list[dict], agents: list[dict], products: list[dict]
) -> list[dict[str, Any]]:
    """The default ticket fields followed by the custom ones whose values tickets carry."""

    def field(position: int, name: str, label: str, kind: str, required: bool, **extra: Any) -> dict[str, Any]:
        row = {
            "id": ID_BASE["ticket_fields"] + position,
            "name": name,
            "label": label,
            "description": f"Ticket {label.lower()}",
            "position": position,
            "required_for_closure": False,
            "required_for_agents": required,
            "type": kind,
            "default": kind.startswith("default_"),
            "customers_can_edit": kind in ("default_requester", "default_subject", "default_description"),
            "customers_can_filter": False,
            "label_for_customers": label,
            "required_for_customers": kind in ("default_requester", "default_subject"),
            "displayed_to_customers": kind != "default_priority",
            "created_at": fmt(created),
            "updated_at": fmt(created),
        }
        row.update(extra)
        return row

    rows = [
        field(1, "requester", "Search a requester", "default_requester", True, portal_cc=False, portal_cc_to="company"),
        field(2, "subject", "Subject", "default_subject", True),
        field(3, "ticket_type", "Type", "default_ticket_type", False, choices=list(TICKET_TYPES)),
        field(4, "source", "Source", "default_source", False, choices={
            "Email": 1, "Portal": 2, "Phone": 3, "Chat": 7, "Feedback Widget": 9, "Outbound Email": 10}),
        field(5, "status", "Status", "default_status", True, choices={
            "2": ["Open", "Being Processed"], "3": ["Pending", "Awaiting your Reply"],
            "4": ["Resolved", "This ticket has been Resolved"], "5": ["Closed", "This ticket has been Closed"]}),
        field(6, "priority", "Priority", "default_priority", True, choices={"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
        field(7, "group", "Group", "default_group", False, choices={g["name"]: g["id"] for g in groups}),
        field(8, "agent", "Agent", "default_agent", False, choices={a["contact"]["name"]: a["id"] for a in agents}),
        field(9, "product", "Product", "default_product", False, choices={p["name"]: p["id"] for p in products}),
        field(10, "description", "Description", "default_description", True),
        field(11, "company", "Company", "default_company", False),
    ]
    for offset, (name, label, kind, choices) in enumerate(TICKET_CUSTOM_FIELDS):
        extra: dict[str, Any] = {}
        if isinstance(choices, dict):  # a nested field: choices by level, and its lower levels' names
            field_id = ID_BASE["ticket_fields"] + 12 + offset
            extra = {"choices": {k: {c: list(v) for c, v in sub.items()} for k, sub in choices.items()},
                     "nested_ticket_fields": [
                         {"id": field_id * 10 + level, "name": level_name, "description": None, "label": level_label,
                          "label_in_portal": level_label, "level": level, "ticket_field_id": field_id,
                          "created_at": fmt(created), "updated_at": fmt(created)}
                         for level_name, level_label, level in REGION_LEVELS]}
        elif choices is not None:
            extra = {"choices": list(choices)}
        rows.append(field(12 + offset, name, label, kind, False, **extra))
    for row in rows:  # sections hang below a dropdown; here only below the ticket type
        row["has_section"] = row["name"] == "ticket_type"
    return rows


def ticket_field_sections(created: int, fields: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """admin/ticket_fields/{id}/sections, by field id: the fields a ticket type's choice shows. Only the
    ticket type has sections; every other field answers an empty list."""
    by_name = {row["name"]: row for row in fields}
    parent = by_name["ticket_type"]
    custom = [row["id"] for row in fields if not row["default"]]
    sections = [
        {"id": ID_BASE["ticket_field_sections"] + i + 1, "label": label, "parent_ticket_field_id": parent["id"],
         "choice_ids": [ID_BASE["ticket_fields"] * 10 + TICKET_TYPES.index(choice) + 1 for choice in choices],
         "ticket_field_ids": custom[i::2], "created_at": fmt(created + (i + 1) * 10 * DAY),
         "updated_at": fmt(created + (i + 1) * 12 * DAY)}
        for i, (label, choices) in enumerate((("Refund details", ("Refund",)), ("Incident details", ("Incident", "Problem"))))
    ]
    return {row["id"]: (sections if row is parent else []) for row in fields}


def ticket_forms(created: int, agent_id: int, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ticket-forms: the default form and a second one; the list gives each form's fields in short (L)."""
    forms = (("default_ticket_form", "Report an issue", True, "The form every portal shows"),
             ("return_items", "Return items", False, "Return requests from the portal"))
    return [
        {"id": ID_BASE["ticket_forms"] + i + 1, "name": name, "title": title, "default": default,
         "description": description, "portals": [ID_BASE["portals"] + 1] if default else [],
         "fields": [{"id": row["id"], "name": row["name"], "position": n + 1}
                    for n, row in enumerate(fields if default else fields[:3])],
         "created_at": fmt(created + i * 20 * DAY), "updated_at": fmt(created + i * 20 * DAY + 3 * DAY),
         "last_updated_by": agent_id}
        for i, (name, title, default, description) in enumerate(forms)
    ]


# automations/{type}/rules: the three types of automation rules and what each of ours is called.
AUTOMATION_TYPES = {1: "Ticket creation", 3: "Time triggers", 4: "Ticket updates"}
_AUTOMATION_RULES = {
    1: ("Route billing emails", "Tag VIP requesters"),
    3: ("Close resolved after 48 hours",),
    4: ("Reopen on customer reply", "Notify group on escalation"),
}


def automation_rules(created: int, agent_id: int, group_id: int) -> dict[int, list[dict[str, Any]]]:
    """Each automation type's rules, in their order (`position`); ticket updates rules add who and what
    triggers them (`performer`, `events`)."""
    by_type: dict[int, list[dict[str, Any]]] = {}
    n = 0
    for type_id, names in _AUTOMATION_RULES.items():
        by_type[type_id] = []
        for position, name in enumerate(names, start=1):
            n += 1
            rule: dict[str, Any] = {
                "id": ID_BASE["automation_rules"] + n, "name": name, "position": position, "active": n != 2,
                "automation_type_id": type_id, "outdated": False,
                "conditions": [{"name": "condition_set_1", "match_type": "all",
                                "properties": [{"resource_type": "ticket", "field_name": "priority",
                                                "operator": "in", "value": [3, 4]}]}],
                "actions": [{"field_name": "group_id", "value": group_id}],
                "created_at": fmt(created + n * 7 * DAY), "updated_at": fmt(created + n * 9 * DAY),
                "last_updated_by": agent_id,
            }
            if type_id == 4:
                rule["performer"] = {"type": 2}
                rule["events"] = [{"field_name": "reply_sent"}]
            by_type[type_id].append(rule)
    return by_type


def account(created: int, agents: int) -> dict[str, Any]:
    """account: a single object about the account itself, keyed by `account_id`."""
    return {
        "organisation_id": 7_310_000_000_001, "organisation_name": "acme-support.myfreshworks.com",
        "account_id": 1_840_509, "account_name": "Acme Support", "account_domain": ACCOUNT_DOMAIN,
        "bundle_id": None, "hipaa_compliant": False,
        "total_agents": {"full_time": agents, "occasional": 0, "field_service": 0, "collaborators": 0},
        "timezone": TIME_ZONE, "data_center": "US", "tier_type": "Forest",
        "address": {"country": "USA", "state": "California", "city": "San Mateo", "street": "1 Market Street",
                    "postalcode": "94403"},
        "contact_person": {"firstname": "Ada", "lastname": "Admin", "email": SUPPORT_EMAIL},
    }


def contact_fields(created: int) -> list[dict[str, Any]]:
    defaults = (
        ("name", "Full name", "default_name", True), ("job_title", "Title", "default_job_title", False),
        ("email", "Email", "default_email", False), ("phone", "Work phone", "default_phone", False),
        ("mobile", "Mobile phone", "default_mobile", False), ("twitter_id", "Twitter", "default_twitter_id", False),
        ("company_name", "Company", "default_company_name", False), ("address", "Address", "default_address", False),
        ("time_zone", "Time zone", "default_time_zone", False), ("language", "Language", "default_language", False),
        ("tag_names", "Tags", "default_tag_names", False), ("description", "About", "default_description", False),
    )
    rows = []
    specs = [(n, l, k, r, None) for n, l, k, r in defaults] + [(n, l, k, False, c) for n, l, k, c in CONTACT_CUSTOM_FIELDS]
    for position, (name, label, kind, required, choices) in enumerate(specs, start=1):
        row = {
            "editable_in_signup": name in ("name", "email"),
            "id": ID_BASE["contact_fields"] + position,
            "name": name,
            "label": label,
            "position": position,
            "required_for_agents": required,
            "agents_can_edit": True,
            "displayed_for_agents": True,
            "quick_add_for_agent": False,
            "unique": False,
            "type": kind,
            "default": kind.startswith("default_"),
            "customers_can_edit": name not in ("email", "company_name", "tag_names"),
            "label_for_customers": label,
            "required_for_customers": required,
            "displayed_for_customers": True,
            "created_at": fmt(created),
            "updated_at": fmt(created),
        }
        if choices:
            row["choices"] = _field_choices(ID_BASE["contact_fields"] + 1000 * position, choices)
        rows.append(row)
    return rows


def company_fields(created: int) -> list[dict[str, Any]]:
    specs = [
        ("name", "Company Name", "default_name", True, None),
        ("description", "Description", "default_description", False, None),
        ("note", "Notes", "default_note", False, None),
        ("domains", "Domains for this company", "default_domains", False, None),
        ("health_score", "Health score", "default_health_score", False, ("At risk", "Doing okay", "Happy")),
        ("account_tier", "Account tier", "default_account_tier", False, ("Basic", "Premium", "Enterprise")),
        ("renewal_date", "Renewal date", "default_renewal_date", False, None),
        ("industry", "Industry", "default_industry", False, INDUSTRIES),
    ] + [(n, l, k, False, c) for n, l, k, c in COMPANY_CUSTOM_FIELDS]
    rows = []
    for position, (name, label, kind, required, choices) in enumerate(specs, start=1):
        row = {
            "id": ID_BASE["company_fields"] + position,
            "name": name,
            "label": label,
            "position": position,
            "required_for_agents": required,
            "agents_can_edit": True,
            "displayed_for_agents": True,
            "quick_add_for_agent": False,
            "unique": False,
            "type": kind,
            "default": kind.startswith("default_"),
            "created_at": fmt(created),
            "updated_at": fmt(created),
        }
        if choices:
            row["choices"] = _field_choices(ID_BASE["company_fields"] + 1000 * position, choices)
        rows.append(row)
    return rows


# --- customers --------------------------------------------------------------------------------------


def company(
    rng: random.Random, record_id: int, created: int, updated: int, more: random.Random
) -> dict[str, Any]:
    """A company. ``more`` draws the custom fields added after the first, so that ``rng`` draws the same as before."""
    word = rng.choice(COMPANY_WORDS)
    name = f"{word} {rng.choice(COMPANY_SUFFIXES)}"
    domain = word.lower().replace(" ", "") + ".example.com"
    renewal = None if rng.random() < 0.5 else fmt_date(created + rng.randint(200, 700) * DAY)
    return {
        "id": record_id,
        "name": name,
        "description": None if rng.random() < 0.6 else f"{name} is a long-standing customer.",
        "note": None,
        "domains": [] if rng.random() < 0.3 else [domain],
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "custom_fields": {
            "cf_contract_id": None if rng.random() < 0.5 else f"CT-{rng.randint(10000, 99999)}",
            "cf_annual_revenue": None if more.random() < 0.3 else f"{more.randint(1_000_000, 90_000_000) / 100:.2f}",
            "cf_seats": None if more.random() < 0.3 else more.randint(5, 500),
            "cf_website": None if more.random() < 0.3 else f"https://www.{domain}",
            "key_account": more.random() < 0.25,
            "onboarded_on": None if more.random() < 0.3 else fmt_date(created + more.randint(0, 60) * DAY),
            "account_notes": None if more.random() < 0.7 else more.choice(NOTES),
        },
        "health_score": choose_or_none(rng, ("At risk", "Doing okay", "Happy"), 0.4),
        "account_tier": choose_or_none(rng, ("Basic", "Premium", "Enterprise"), 0.3),
        "renewal_date": renewal,
        "industry": choose_or_none(rng, INDUSTRIES, 0.3),
    }


def contact(
    rng: random.Random, record_id: int, number: int, created: int, updated: int, company_id: int | None,
    more: random.Random,
) -> dict[str, Any]:
    """A contact. ``more`` draws the custom fields added after the first two, so that ``rng`` draws the same as before."""
    name = person_name(rng)
    has_phone = rng.random() < 0.5
    return {
        "active": rng.random() < 0.7,
        "address": None if rng.random() < 0.7 else f"{rng.randint(1, 999)} Main Street, Springfield",
        "company_id": company_id,
        "description": None,
        "email": email_for(name, number, "customer.example.com"),
        "id": record_id,
        "job_title": rng.choice(JOB_TITLES),
        "language": rng.choice(LANGUAGES),
        "mobile": None if rng.random() < 0.7 else f"+1-555-{rng.randint(1000000, 9999999)}",
        "name": name,
        "phone": f"+1-555-{rng.randint(1000000, 9999999)}" if has_phone else None,
        "time_zone": TIME_ZONE,
        "twitter_id": None,
        "other_emails": [],
        "facebook_id": None,
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "csat_rating": None,
        "preferred_source": choose_or_none(rng, ("email", "phone", "portal"), 0.5),
        "unique_external_id": None,
        "twitter_profile_status": False,
        "twitter_followers_count": None,
        "custom_fields": {
            "cf_customer_tier": choose_or_none(rng, ("Gold", "Silver", "Bronze"), 0.4),
            "cf_newsletter": rng.random() < 0.3,
            "cf_loyalty_points": None if more.random() < 0.4 else more.randint(0, 5000),
            "cf_member_since": None if more.random() < 0.5 else fmt_date(created - more.randint(0, 900) * DAY),
            "department": choose_or_none(more, ("Finance", "IT", "Operations", "Sales"), 0.4),
            "backup_phone": None if more.random() < 0.7 else f"+1-555-{more.randint(1000000, 9999999)}",
        },
        "other_companies": [],
        "tags": [],
    }


# --- tickets and conversations ----------------------------------------------------------------------


def ticket_custom_fields(rng: random.Random, created: int, more: random.Random) -> dict[str, Any]:
    """A ticket's custom field values. ``more`` draws the fields added after the first five, so that
    ``rng`` draws the same as before."""
    region = choose_or_none(more, tuple(REGIONS), 0.5)
    country = choose_or_none(more, tuple(REGIONS[region]), 0.2) if region else None
    return {
        "cf_order_number": None if rng.random() < 0.3 else f"ORD-{rng.randint(100000, 999999)}",
        "cf_units_affected": None if rng.random() < 0.4 else rng.randint(1, 50),
        "cf_vip_customer": rng.random() < 0.15,
        "cf_follow_up_date": None if rng.random() < 0.6 else fmt_date(created + rng.randint(1, 20) * DAY),
        "cf_category": choose_or_none(rng, TICKET_CUSTOM_FIELDS[4][3], 0.2),
        "cf_refund_amount": None if more.random() < 0.6 else f"{more.randint(500, 50000) / 100:.2f}",
        "cf_internal_note": None if more.random() < 0.7 else more.choice(NOTES),
        "cf_callback_at": None if more.random() < 0.7 else fmt(created + more.randint(1, 72) * 3600),
        "cf_region": region,
        "cf_country": country,
        "cf_city": choose_or_none(more, REGIONS[region][country], 0.3) if country else None,
        "cf_order_page": None if more.random() < 0.5 else f"https://shop.example.com/orders/{more.randint(100000, 999999)}",
        "cf_callback_phone": None if more.random() < 0.6 else f"+1-555-{more.randint(1000000, 9999999)}",
        "cf_affected_products": sorted(more.sample(TICKET_CUSTOM_FIELDS[11][3], more.randint(0, 2))) or None,
    }


def ticket_text(rng: random.Random) -> tuple[str, str, str, str]:
    """Subject, type, description HTML and description text of a ticket."""
    subject = f"{rng.choice(SUBJECT_OPENERS)} {rng.choice(SUBJECT_ACTIONS)}"
    sentences = rng.sample(SENTENCES, rng.randint(1, 4))
    description_text = " ".join(sentences)
    description = "".join(html(sentence) for sentence in sentences)
    return subject, rng.choice(TICKET_TYPES), description, description_text


def attachment(rng: random.Random, attachment_id: int, created: int) -> dict[str, Any]:
    name = rng.choice(("screenshot.png", "invoice.pdf", "error-log.txt", "photo.jpg"))
    content_type = {"png": "image/png", "pdf": "application/pdf", "txt": "text/plain", "jpg": "image/jpeg"}[name[-3:]]
    return {
        "id": attachment_id,
        "name": name,
        "content_type": content_type,
        "size": rng.randint(2_000, 900_000),
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "attachment_url": f"https://attachments.emulator.invalid/{attachment_id}/{name}",
    }


def conversation(
    rng: random.Random,
    conversation_id: int,
    ticket_id: int,
    created: int,
    kind: str,
    requester: dict[str, Any] | None,
    agent_id: int,
    support_email: str,
) -> dict[str, Any]:
    """One conversation: ``kind`` is "reply" (agent to customer), "incoming" or "note"."""
    requester_email = requester["email"] if requester else None
    if kind == "reply":
        body_text, incoming, private, source, category = rng.choice(REPLIES), False, False, 0, 3
        to_emails, from_email, bcc, support = [requester_email], f"Acme Support <{support_email}>", [], support_email
        user_id = agent_id
    elif kind == "incoming":
        body_text, incoming, private, source, category = rng.choice(CUSTOMER_REPLIES), True, False, 0, 7
        to_emails, from_email, bcc, support = [support_email], requester_email, None, support_email
        user_id = requester["id"] if requester else agent_id
    else:
        body_text, incoming, private, source, category = rng.choice(NOTES), False, True, 2, 2
        to_emails, from_email, bcc, support = [], None, None, None
        user_id = agent_id
    attachments = [attachment(rng, ID_BASE["attachments"] + conversation_id % 10**10, created)] if rng.random() < 0.1 else []
    return {
        "body": html(body_text),
        "body_text": body_text,
        "id": conversation_id,
        "incoming": incoming,
        "private": private,
        "user_id": user_id,
        "support_email": support,
        "source": source,
        "category": category,
        "to_emails": to_emails,
        "from_email": from_email,
        "cc_emails": [],
        "bcc_emails": bcc,
        "email_failure_count": None,
        "outgoing_failures": None,
        "thread_id": None,
        "thread_message_id": None,
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "last_edited_at": None,
        "last_edited_user_id": None,
        "attachments": attachments,
        "automation_id": None,
        "automation_type_id": None,
        "auto_response": False,
        "ticket_id": ticket_id,
        "source_additional_info": None,
    }


# --- surveys, ratings, time entries -----------------------------------------------------------------



def survey(index: int, created: int, updated: int) -> dict[str, Any]:
    questions = [{
        "id": "default_question",
        "label": "How would you rate your overall satisfaction for the resolution provided by the agent?",
        "accepted_ratings": [103, 100, -103],
        "default": True,
    }]
    for number in range(index):
        questions.append({
            "id": f"question_{ID_BASE['surveys'] + 100 * (index + 1) + number}",
            "label": ("Was the agent helpful?", "Was the answer quick enough?")[number % 2],
            "accepted_ratings": [103, 100, -103],
        })
    return {
        "id": ID_BASE["surveys"] + index + 1,
        "title": "Default Survey" if index == 0 else f"Survey {index + 1}",
        "active": index == 0 or index % 2 == 1,
        "created_at": fmt(created),
        "updated_at": fmt(updated),
        "questions": questions,
    }


def satisfaction_rating(
    rng: random.Random, record_id: int, survey_row: dict[str, Any], ticket: dict[str, Any], agent_id: int, created: int
) -> dict[str, Any]:
    ratings = {question["id"]: rng.choice((103, 103, 100, -103)) for question in survey_row["questions"]}
    return {
        "id": record_id,
        "survey_id": survey_row["id"],
        "user_id": ticket["requester_id"],
        "agent_id": agent_id,
        "feedback": rng.choice(("Quick and helpful, thanks!", "Took too long.", "", "Great support")),
        "group_id": ticket["group_id"],
        "ticket_id": ticket["id"],
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "ratings": ratings,
    }


def time_entry(
    rng: random.Random, record_id: int, ticket: dict[str, Any], agent_id: int, created: int, executed: int
) -> dict[str, Any]:
    seconds = rng.randint(1, 240) * 60
    return {
        "billable": rng.random() < 0.7,
        "note": rng.choice(("", "Investigated logs", "Call with customer", "Prepared refund")),
        "id": record_id,
        "timer_running": False,
        "agent_id": agent_id,
        "ticket_id": ticket["id"],
        "company_id": ticket["company_id"],
        "time_spent": f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}",
        "executed_at": fmt(executed),
        "start_time": fmt(created),
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "time_spent_in_seconds": seconds,
    }


# --- canned responses, discussions, solutions -------------------------------------------------------


def canned_response_folder(index: int, created: int, responses_count: int) -> dict[str, Any]:
    return {
        "id": ID_BASE["canned_response_folders"] + index + 1,
        "name": "Personal" if index == 0 else f"{('Billing', 'Shipping', 'General', 'Returns')[index % 4]} replies",
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "personal": index == 0,
        "responses_count": responses_count,
    }


def canned_response(rng: random.Random, record_id: int, folder_id: int, created: int, group_ids: list[int]) -> dict[str, Any]:
    text = rng.choice(REPLIES)
    return {
        "id": record_id,
        "title": text.split(".")[0][:40],
        "folder_id": folder_id,
        "content": text,
        "content_html": html(text),
        "attachments": [],
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "group_ids": group_ids,
        "visibility": rng.choice((0, 1, 2)),
    }


def discussion_category(index: int, created: int) -> dict[str, Any]:
    return {
        "id": ID_BASE["discussion_categories"] + index + 1,
        "name": "Community" if index == 0 else f"Community {index + 1}",
        "description": "Questions and ideas from our customers",
        "created_at": fmt(created),
        "updated_at": fmt(created),
    }


def discussion_forum(record_id: int, position: int, category_id: int, topics_count: int, posts_count: int) -> dict[str, Any]:
    name, forum_type = (("Announcements", 4), ("Feature Requests", 2), ("Tips and Tricks", 1), ("Report a problem", 3))[
        (position - 1) % 4
    ]
    return {
        "id": record_id,
        "name": name if position <= 4 else f"{name} {position}",
        "description": f"{name} from the Acme team and community",
        "position": position,
        "forum_category_id": category_id,
        "forum_type": forum_type,
        "forum_visibility": 1,
        "topics_count": topics_count,
        "posts_count": posts_count,
        "comments_count": posts_count,
    }


def discussion_topic(
    rng: random.Random, record_id: int, forum_id: int, user_id: int, created: int, replied_at: int, posts_count: int
) -> dict[str, Any]:
    return {
        "id": record_id,
        "title": rng.choice(SUBJECT_ACTIONS).capitalize(),
        "forum_id": forum_id,
        "user_id": user_id,
        "locked": False,
        "published": True,
        "stamp_type": None,
        "replied_by": user_id,
        "user_votes": rng.randint(0, 12),
        "merged_topic_id": None,
        "posts_count": posts_count,
        "comments_count": posts_count,
        "sticky": rng.random() < 0.1,
        "created_at": fmt(created),
        "updated_at": fmt(replied_at),
        "replied_at": fmt(replied_at),
        "hits": rng.randint(0, 500),
    }


def discussion_comment(
    rng: random.Random, record_id: int, topic_id: int, forum_id: int, user_id: int, created: int
) -> dict[str, Any]:
    text = rng.choice(SENTENCES + CUSTOMER_REPLIES)
    return {
        "id": record_id,
        "topic_id": topic_id,
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "user_id": user_id,
        "forum_id": forum_id,
        "answer": False,
        "published": True,
        "spam": None,
        "trash": False,
        "body": html(text),
        "body_text": text,
    }


def solution_category(index: int, created: int) -> dict[str, Any]:
    name = ("General", "Getting started", "Orders and refunds", "FAQs", "Billing")[index % 5]
    return {
        "id": ID_BASE["solution_categories"] + index + 1,
        "name": name if index < 5 else f"{name} {index + 1}",
        "description": f"{name} articles",
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "visible_in_portals": [ID_BASE["portals"] + 1],
    }


def _hierarchy(category: dict[str, Any], folder_id: int, folder_name: str) -> list[dict[str, Any]]:
    return [
        {"level": 0, "type": "category", "data": {"id": category["id"], "name": category["name"], "language": "en"}},
        {"level": 1, "type": "folder", "data": {"id": folder_id, "name": folder_name, "language": "en"}},
    ]


def solution_folder(record_id: int, category: dict[str, Any], created: int, articles_count: int) -> dict[str, Any]:
    name = f"{category['name']} folder {record_id % 1000}"
    return {
        "id": record_id,
        "name": name,
        "description": f"Articles about {category['name'].lower()}",
        "articles_count": articles_count,
        "created_at": fmt(created),
        "updated_at": fmt(created),
        "icon_url": None,
        "parent_folder_id": None,
        "sub_folders_count": 0,
        "hierarchy": _hierarchy(category, record_id, name),
        "visibility": 1,
        "category_id": category["id"],
    }


def solution_article(
    rng: random.Random, record_id: int, folder: dict[str, Any], agent_id: int, created: int, updated: int
) -> dict[str, Any]:
    sentences = rng.sample(SENTENCES, 3)
    category = folder["hierarchy"][0]["data"]
    return {
        "id": record_id,
        "type": 1,
        "status": rng.choice((1, 2, 2)),
        "agent_id": agent_id,
        "created_at": fmt(created),
        "category_id": folder["category_id"],
        "folder_id": folder["id"],
        "title": f"How to {rng.choice(SUBJECT_ACTIONS)}",
        "updated_at": fmt(updated),
        "description": "".join(f"<p>{s}</p>" for s in sentences),
        "description_text": " ".join(sentences),
        "seo_data": {"meta_title": "", "meta_description": ""},
        "tags": [],
        "attachments": [],
        "cloud_files": [],
        "thumbs_up": rng.randint(0, 40),
        "thumbs_down": rng.randint(0, 5),
        "hits": rng.randint(0, 900),
        "suggested": 0,
        "feedback_count": 0,
        "hierarchy": _hierarchy({"id": category["id"], "name": category["name"]}, folder["id"], folder["name"]),
    }
