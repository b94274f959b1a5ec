"""One-click updates on Slack: a waiting reminder's "Send update" and "Edit first" buttons,
and the modal an edit opens (adapters/updates.py).

Every click is handed to the bot, which alone decides whether the clicker may send (only
the reminder's agent) and whether it went already (bot/service/updates.py); whoever
clicked is answered privately through the click's ``response_url``. A sent update
replaces the reminder's buttons with what was sent. "Edit first" opens a modal holding
the draft (``views.open``); its submission is sent the same way, and a refusal is shown
in the modal instead of closing it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import Block, escape
from adapters.updates import MAX_TEXT, UpdateDesk, UpdateRequest, UpdateResult, UpdateStatus

log = logging.getLogger("coach.slack")

MODAL = "coach_update_modal"  # the edit modal's callback_id
_BLOCK, _INPUT = "update", "text"


def modal(nudge_id: str, draft: str) -> Block:
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": nudge_id,
        "title": {"type": "plain_text", "text": "Update the customer"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": _BLOCK,
                "label": {"type": "plain_text", "text": "The customer reads this in the thread"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _INPUT,
                    "multiline": True,
                    "initial_value": draft,
                    "max_length": MAX_TEXT,
                },
            }
        ],
    }


def _click(body: dict[str, Any]) -> UpdateRequest | None:
    actions = body.get("actions") or [{}]
    action = actions[0] if isinstance(actions, list) and actions else {}
    nudge_id = str(action.get("value", "")) if isinstance(action, dict) else ""
    user = str((body.get("user") or {}).get("id", ""))
    return UpdateRequest(nudge_id, user) if nudge_id and user else None


class SlackUpdates:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.desk: UpdateDesk | None = None  # set by the bot when one-click updates are on

    async def on_send(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        request = _click(body)
        result = UpdateResult(UpdateStatus.UNKNOWN)
        if request is not None and self.desk is not None:
            result = await self.desk.send(request)
        await _answer(respond, result)

    async def on_edit(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        request = _click(body)
        result = UpdateResult(UpdateStatus.UNKNOWN)
        if request is not None and self.desk is not None:
            result = await self.desk.draft(request)
        if request is None or result.status is not UpdateStatus.READY:
            await _answer(respond, result)
            return
        try:
            view = modal(request.nudge_id, result.text)
            await self.client.views_open(trigger_id=str(body.get("trigger_id", "")), view=view)
        except Exception as exc:  # the trigger expired, Slack refused: say so, send nothing
            log.info("update modal not opened: %s", type(exc).__name__)
            await _answer(respond, UpdateResult(UpdateStatus.FAILED))

    async def on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        nudge_id = str(view.get("private_metadata", ""))
        values = ((view.get("state") or {}).get("values") or {}).get(_BLOCK) or {}
        text = str((values.get(_INPUT) or {}).get("value") or "")
        result = UpdateResult(UpdateStatus.UNKNOWN)
        if nudge_id and user and self.desk is not None:
            result = await self.desk.send(UpdateRequest(nudge_id, user, text))
        if result.status is UpdateStatus.SENT:
            await ack()  # closes the modal
        else:
            await ack(response_action="errors", errors={_BLOCK: result.reply[:150]})


async def _answer(respond: Any, result: UpdateResult) -> None:
    """Tell whoever clicked, privately; a sent update replaces the reminder's buttons."""
    shown = replace(result, text=escape(result.text))
    try:
        await respond(
            response_type="ephemeral",
            replace_original=result.status is UpdateStatus.SENT,
            text=shown.reply,
        )
    except Exception as exc:  # what was sent is sent; the answer is cosmetic
        log.info("could not answer an update click: %s", type(exc).__name__)
