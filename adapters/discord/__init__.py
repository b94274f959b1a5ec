"""The Discord adapter (discord.py 2.x).

app.py       DiscordOptions, DiscordAdapter: lifecycle, health, AdapterFailed messages
client.py    the discord.Client subclass: intents, endpoints, command sync, event hand-off
intake.py    gateway events -> engine events, in order, on one bounded queue
translate.py pure: messages/payloads -> Place, Post -> MessagePosted/Edited/Deleted/Closed
conversations.py  the plain-channel rule (reply chains, per-customer windows)
places.py    channel ID -> guild/channel/thread/category (cache, one fetch at most)
delivery.py  nudges: DM -> staff channel -> /coach inbox; closed DMs remembered
privacy.py   whether anyone but agents and supervisors can view the staff channel
members.py   whether a DM's sender is a member of a coached server
render.py    embeds and buttons for nudges and reports
commands.py  /coach application commands -> CommandRequest, answered ephemerally
practice.py  /coach practice, continued in the agent's DM
feedback.py  helpful / not helpful clicks
invite.py    the invite URL with the minimal permissions (`coach discord-invite`)
"""
