"""The list and the message pages read rows by position (conversations._listed,
messages.schemas.row_fields): each unpack must follow its column list, or a field silently
takes its neighbour's value. Every column here carries its own name as value."""

from __future__ import annotations

from whatrack.conversations import service
from whatrack.messages.schemas import QUOTE_ATTRIBUTES, READ_ATTRIBUTES, row_fields

_CONVERSATION_FIELDS = {  # ConversationRead field -> the _LIST_ROWS column it comes from
    "id": "id",
    "instance_id": "instance_id",
    "ticket_status": "ticket_status",
    "current_ticket_id": "current_ticket_id",
    "unread_count": "unread_count",
    "last_message_at": "last_message_at",
    "last_message_preview": "last_message_preview",
    "last_message_type": "last_message_type",
    "last_message_reaction": "last_message_reaction",
    "last_message_sender_type": "last_message_sender_type",
    "last_message_status": "last_message_status",
    "waiting_since": "waiting_since",
    "ticket_source": "ticket_source",
    "snoozed_until": "snoozed_until",
    "created_at": "created_at",
}


def test_the_list_row_is_unpacked_in_its_column_order() -> None:
    fields = service._listed(service._LIST_COLUMNS)
    for field, column in _CONVERSATION_FIELDS.items():
        assert fields[field] == column, field
    assert fields["lead"] == {"id": "lead_id", "name": "lead_name", "push_name": "push_name", "phone": "phone"}
    assert fields["assignee"] == {"id": "assignee_id", "name": "assignee_name"}
    assert len(service._LIST_COLUMNS) == 22


def test_the_message_row_is_unpacked_in_its_column_order() -> None:
    row: list[object] = list(READ_ATTRIBUTES)
    row[READ_ATTRIBUTES.index("reactions")] = []  # a list in the database
    row[READ_ATTRIBUTES.index("meta")] = {"meta": True}
    fields = row_fields(row, QUOTE_ATTRIBUTES)
    direct = set(READ_ATTRIBUTES) - {"media_path", "media_mime", "media_name", "media_size", "reply_to_id"}
    for name in direct - {"reactions", "meta", "note"}:
        assert fields[name] == name, name
    assert fields["metadata"] == {"meta": True}
    assert fields["media"] == {
        "url": "/api/v1/media/id",
        "mime_type": "media_mime",
        "file_name": "media_name",
        "size": "media_size",
    }
    assert fields["reply_to"] == {a: a for a in QUOTE_ATTRIBUTES}
